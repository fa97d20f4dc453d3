"""Process control from Python: pause, play, kill and resume processes by pk or node."""

from graphflow.engine._control import (
    ControlResult,
    akill,
    apause,
    aplay,
    aresume,
    kill,
    pause,
    play,
    resume,
)

__all__ = [
    "ControlResult",
    "akill",
    "apause",
    "aplay",
    "aresume",
    "kill",
    "pause",
    "play",
    "resume",
]
