"""Batch-scheduler plugins: job scripts from job descriptions, typed records from output.

Schedulers are pure (style 9.3): they write scripts and commands and read the output of
those commands; the engine runs the commands through a transport. Layering inside the
package, lowest first (each module imports only from those above it)::

    _job, _exit_code          values: templates, states, records, the exit-code file
    _protocol                 the Scheduler protocol the engine codes against
    _shell, _parse, _pbs      writing shell text; reading output (PBS family shared)
    _direct, _slurm, _sge,    one module per scheduler
    _pbspro, _torque
    _registry                 get_scheduler: names to instances, entry points
    _jobmanager               JobManager: one status poll per computer and interval
                              (async; the engine passes the poll that does the I/O)

Only the names in ``__all__`` are public.
"""

from graphflow.schedulers._direct import DirectScheduler
from graphflow.schedulers._exit_code import EXIT_CODE_FILENAME, parse_exit_code_file
from graphflow.schedulers._job import JobInfo, JobResources, JobState, JobTemplate
from graphflow.schedulers._jobmanager import JobManager, JobManagerStatistics, PollFunction
from graphflow.schedulers._pbspro import PbsProScheduler
from graphflow.schedulers._protocol import Scheduler
from graphflow.schedulers._registry import ENTRY_POINT_GROUP, get_scheduler
from graphflow.schedulers._sge import SgeScheduler
from graphflow.schedulers._slurm import SlurmScheduler
from graphflow.schedulers._torque import TorqueScheduler

__all__ = [
    "ENTRY_POINT_GROUP",
    "EXIT_CODE_FILENAME",
    "DirectScheduler",
    "JobInfo",
    "JobManager",
    "JobManagerStatistics",
    "JobResources",
    "JobState",
    "JobTemplate",
    "PbsProScheduler",
    "PollFunction",
    "Scheduler",
    "SgeScheduler",
    "SlurmScheduler",
    "TorqueScheduler",
    "get_scheduler",
    "parse_exit_code_file",
]
