"""Messaging between graphflow interpreters: tasks, holds, RPC and state broadcasts.

Only RabbitMQ (aio-pika) is implemented: without a broker, processes run in the
interpreter that starts them and need no messaging. Imports nothing of graphflow but
errors and types.
"""

from graphflow.broker._local import LocalCommunicator
from graphflow.broker._messages import (
    RpcReply,
    RpcRequest,
    StateMessage,
    TaskMessage,
    decode,
    encode,
)
from graphflow.broker._protocol import Communicator
from graphflow.broker._rabbitmq import Hold, RabbitMQCommunicator, TaskDelivery, delete_topology

__all__ = [
    "Communicator",
    "Hold",
    "LocalCommunicator",
    "RabbitMQCommunicator",
    "RpcReply",
    "RpcRequest",
    "StateMessage",
    "TaskDelivery",
    "TaskMessage",
    "decode",
    "delete_topology",
    "encode",
]
