"""The engine: ports and specs, the process state machine, process functions, work
chains, calculation jobs, the runner, checkpoints and launching."""

from graphflow.engine._calcinfo import CalcInfo, CodeInfo, Sandbox
from graphflow.engine._calcjob import CalcJob
from graphflow.engine._factories import CalculationFactory, WorkflowFactory
from graphflow.engine._functions import ProcessFunction, calcfunction, workfunction
from graphflow.engine._inspect import CallTree, LogRecord, acall_tree, alist_processes, alogs
from graphflow.engine._launch import run, run_get_node
from graphflow.engine._logging import REPORT, report
from graphflow.engine._outline import if_, return_, while_
from graphflow.engine._parser import Parser
from graphflow.engine._ports import InputPort, OutputPort, Port, PortNamespace
from graphflow.engine._process import AttributeDict, Process
from graphflow.engine._restart import BaseRestartWorkChain, ProcessHandlerReport, process_handler
from graphflow.engine._runner import Runner, get_runner
from graphflow.engine._spec import ExitCode, ExitCodesNamespace, ProcessSpec
from graphflow.engine._states import TRANSITIONS, Event, next_state
from graphflow.engine._workchain import ToContext, WorkChain, append_

__all__ = [
    "REPORT",
    "TRANSITIONS",
    "AttributeDict",
    "BaseRestartWorkChain",
    "CalcInfo",
    "CalcJob",
    "CalculationFactory",
    "CallTree",
    "CodeInfo",
    "Event",
    "ExitCode",
    "ExitCodesNamespace",
    "InputPort",
    "LogRecord",
    "OutputPort",
    "Parser",
    "Port",
    "PortNamespace",
    "Process",
    "ProcessFunction",
    "ProcessHandlerReport",
    "ProcessSpec",
    "Runner",
    "Sandbox",
    "ToContext",
    "WorkChain",
    "WorkflowFactory",
    "acall_tree",
    "alist_processes",
    "alogs",
    "append_",
    "calcfunction",
    "get_runner",
    "if_",
    "next_state",
    "process_handler",
    "report",
    "return_",
    "run",
    "run_get_node",
    "while_",
    "workfunction",
]
