"""What every scheduler promises, checked on all five (style 9.2).

Third-party schedulers can run the same checks by adding themselves to ``SCHEDULERS``.
Job scripts are checked by running them under bash: directives are comments to bash, so
a script with a working directory runs anywhere, and its quoting is tested for real.
"""

from __future__ import annotations

import os
import pathlib
import re
import shlex
import shutil
import subprocess
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphflow.errors import SchedulerError, ValidationError
from graphflow.schedulers import (
    EXIT_CODE_FILENAME,
    DirectScheduler,
    JobResources,
    JobTemplate,
    PbsProScheduler,
    Scheduler,
    SgeScheduler,
    SlurmScheduler,
    TorqueScheduler,
)

from .conftest import FIXTURES, load_recorded

SCHEDULERS: dict[str, Scheduler] = {
    "core.direct": DirectScheduler(),
    "core.slurm": SlurmScheduler(),
    "core.sge": SgeScheduler(parallel_environment="smp"),
    "core.pbspro": PbsProScheduler(),
    "core.torque": TorqueScheduler(),
}
# A valid job id of each scheduler, and the fixture folder of its recorded output.
VALID_ID = {
    "core.direct": "4242",
    "core.slurm": "4242",
    "core.sge": "4242",
    "core.pbspro": "4242.pbsserver",
    "core.torque": "4242.torque.example.org",
}
FIXTURE_DIR = {name: name.removeprefix("core.") for name in SCHEDULERS}
BAD_IDS = ["1; rm -rf ~", "$(id)", "`id`", "", " 1", "1\n2", "-1", "../1", "1 2", "1'"]
BASH = shutil.which("bash")
SH = shutil.which("sh")
HOSTILE = 'it\'s "quoted" $HOME `id` $(id) \\ ; | & * ? ~ \t\n second line'

all_schedulers = pytest.mark.parametrize("name", list(SCHEDULERS))


def supported(name: str, **fields: object) -> JobTemplate:
    """A template using every option the scheduler ``name`` can express."""
    if name == "core.direct":
        fields.setdefault("max_memory_kb", 10_000_000)
        fields.setdefault("max_wallclock_seconds", 3600)
        return JobTemplate(**fields)  # type: ignore[arg-type]
    fields.setdefault("resources", JobResources(2, 2, 2))
    fields.setdefault("max_wallclock_seconds", 3600)
    fields.setdefault("max_memory_kb", 1_000_000)
    fields.setdefault("queue_name", "main")
    fields.setdefault("account", "proj")
    if name == "core.slurm":
        fields.setdefault("qos", "normal")
    return JobTemplate(**fields)  # type: ignore[arg-type]


def run_script(script: str, workdir: pathlib.Path) -> subprocess.CompletedProcess[str]:
    (workdir / "job.sh").write_text(script)
    return subprocess.run(
        [BASH or "bash", "job.sh"],
        cwd=workdir,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@all_schedulers
def test_is_a_scheduler(name):
    scheduler = SCHEDULERS[name]
    assert isinstance(scheduler, Scheduler)
    assert scheduler.name == name


@all_schedulers
def test_exit_code_is_saved_after_the_command_and_before_append_text(name):
    script = SCHEDULERS[name].job_script(
        supported(name, working_directory="/w", command=["code"], append_text="tail out")
    )
    body = script.split("\ncode\n", 1)[1]
    assert body == (
        "graphflow_exit_code=$?\n"
        f'echo "$graphflow_exit_code" > /w/{EXIT_CODE_FILENAME}\n'
        "\n"
        "tail out\n"
        'exit "$graphflow_exit_code"\n'
    )


@all_schedulers
def test_script_runs_with_hostile_values(name, tmp_path):
    workdir = tmp_path / HOSTILE.replace("/", "_")
    workdir.mkdir()
    template = supported(
        name,
        job_name=HOSTILE,
        working_directory=str(workdir),
        environment={"GF_VALUE": HOSTILE, "GF_EMPTY": ""},
        prepend_text="cd /",  # the exit-code file must still land in the working directory
        command=['printf "%s|%s" "$GF_VALUE" "$GF_EMPTY" > "$OLDPWD/env.out"', "(exit 3)"],
        append_text="echo appended",
    )
    result = run_script(SCHEDULERS[name].job_script(template), workdir)
    assert result.returncode == 3, result.stderr
    assert (workdir / "env.out").read_text() == f"{HOSTILE}|"
    assert (workdir / EXIT_CODE_FILENAME).read_text() == "3\n"


@all_schedulers
def test_hostile_job_names_stay_inside_their_directive(name):
    script = SCHEDULERS[name].job_script(JobTemplate(job_name=HOSTILE, command=["code"]))
    header = script.split("\n\n", 1)[0].splitlines()
    assert header[0] == "#!/bin/bash"
    for line in header[1:]:
        if name == "core.direct":
            assert line.startswith("exec ")
        else:
            assert line.startswith("#"), line
            assert re.fullmatch(r"[#$A-Za-z0-9_ .=:/,@+-]*", line), line


@all_schedulers
@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_commands_reject_malformed_job_ids(name, bad_id):
    scheduler = SCHEDULERS[name]
    with pytest.raises(ValidationError, match="not a job id"):
        scheduler.status_command([VALID_ID[name], bad_id])
    with pytest.raises(ValidationError, match="not a job id"):
        scheduler.exit_status_command([bad_id])
    with pytest.raises(ValidationError, match="not a job id"):
        scheduler.kill_command(bad_id)


@all_schedulers
@pytest.mark.parametrize("filename", ["job.sh; id", "$(id).sh", "../job.sh", "-job.sh", "a b"])
def test_submit_command_rejects_unsafe_script_names(name, filename):
    with pytest.raises(ValidationError, match="not a script file name"):
        SCHEDULERS[name].submit_command(filename)


@all_schedulers
def test_commands_are_valid_sh(name):
    scheduler = SCHEDULERS[name]
    ids = [VALID_ID[name], VALID_ID[name].replace("4242", "4243")]
    commands = [
        scheduler.submit_command("job.sh"),
        scheduler.status_command(ids),
        scheduler.kill_command(ids[0]),
    ]
    exit_status = scheduler.exit_status_command(ids)
    if exit_status is not None:
        commands.append(exit_status)
    for command in commands:
        result = subprocess.run([SH or "sh", "-n", "-c", command], capture_output=True, check=False)
        assert result.returncode == 0, (command, result.stderr)


# --- properties ----------------------------------------------------------------------

_FIXTURE_TEXTS = sorted(
    {
        text
        for path in FIXTURES.glob("*/*.txt")
        for text in (
            load_recorded(path.parent.name, path.stem).stdout,
            load_recorded(path.parent.name, path.stem).stderr,
        )
        if text
    }
)


@st.composite
def scheduler_output(draw: st.DrawFn) -> str:
    """Arbitrary text, or recorded output of any scheduler cut and spliced at random."""
    kind = draw(st.sampled_from(["text", "mutated", "lines"]))
    if kind == "text":
        return draw(st.text())
    if kind == "lines":
        token = st.text(alphabet="0123456789|:.=<>/ \t-abcdefRQCF", max_size=12)
        return "\n".join(draw(st.lists(token, max_size=8)))
    text = draw(st.sampled_from(_FIXTURE_TEXTS))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return text[:start] + draw(st.text(max_size=20)) + text[end:]


@pytest.mark.slow
@all_schedulers
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    retval=st.sampled_from([0, 1, 35, 153]), stdout=scheduler_output(), stderr=scheduler_output()
)
def test_parsers_raise_only_scheduler_errors(name, retval, stdout, stderr):
    scheduler = SCHEDULERS[name]
    for parse in (
        scheduler.parse_status_output,
        scheduler.parse_exit_status_output,
        scheduler.parse_submit_output,
        scheduler.parse_kill_output,
    ):
        try:
            result = parse(retval, stdout, stderr)
        except SchedulerError:
            continue
        assert result is None or isinstance(result, (str, dict))


_WORD = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.:@+=,-]{0,15}", fullmatch=True)
_TEXT = st.text(st.characters(exclude_characters="\0", exclude_categories=["Cs"]), max_size=30)
_ARGV = st.lists(_TEXT, min_size=1, max_size=4)


@st.composite
def templates(draw: st.DrawFn, name: str) -> JobTemplate:
    """Random templates within what scheduler ``name`` can express."""
    direct = name == "core.direct"
    fields: dict[str, object] = {
        "job_name": draw(_TEXT),
        "working_directory": "/" + draw(_TEXT),
        "environment": draw(
            st.dictionaries(
                st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True), _TEXT, max_size=4
            )
        ),
        # command lines come from the engine; here: a real command with hostile arguments
        "command": [
            " ".join(map(_quote, ["echo", *argv])) for argv in draw(st.lists(_ARGV, max_size=3))
        ],
        "max_memory_kb": draw(st.none() | st.integers(1, 10**9)),
        "import_sys_environment": draw(st.booleans()),
        "custom_scheduler_commands": draw(st.lists(st.just("# custom"), max_size=1)),
    }
    if not direct:
        cores = (
            1 if name == "core.sge" and draw(st.booleans()) else draw(st.none() | st.integers(1, 8))
        )
        fields["resources"] = JobResources(
            draw(st.integers(1, 64)), draw(st.integers(1, 64)), cores
        )
        fields["max_wallclock_seconds"] = draw(st.none() | st.integers(1, 10**7))
        fields["queue_name"] = draw(st.none() | _WORD)
        fields["account"] = draw(st.none() | _WORD)
        if name == "core.slurm":
            fields["qos"] = draw(st.none() | _WORD)
    return JobTemplate(**fields)  # type: ignore[arg-type]


def _quote(arg: str) -> str:
    return shlex.quote(arg)


@pytest.mark.slow
@all_schedulers
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_job_scripts_are_valid_bash(name, data):
    scheduler = SCHEDULERS[name]
    script = scheduler.job_script(data.draw(templates(name)))
    result = subprocess.run(
        [BASH or "bash", "-n"], input=script, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, (script, result.stderr)


_DIR_NAME = st.text(
    st.characters(exclude_characters="\0/", exclude_categories=["Cs"]), min_size=1, max_size=20
).filter(lambda name: name not in {".", ".."})


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(list(SCHEDULERS)),
    directory=_DIR_NAME,
    values=st.lists(_TEXT, min_size=1, max_size=4),
    code=st.integers(0, 255),
)
def test_scripts_pass_any_value_through_unchanged(name, directory, values, code):
    environment = {f"GF_{index}": value for index, value in enumerate(values)}
    references = " ".join(f'"${key}"' for key in environment)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = pathlib.Path(tmp) / directory
        workdir.mkdir()
        template = supported(
            name,
            job_name=directory,
            working_directory=str(workdir),
            environment=environment,
            command=[f"printf '%s\\0' {references} > values.out", f"(exit {code})"],
        )
        result = run_script(SCHEDULERS[name].job_script(template), workdir)
        assert result.returncode == code, result.stderr
        written = (workdir / "values.out").read_bytes().split(b"\0")[:-1]
        assert written == [value.encode() for value in values]
        assert (workdir / EXIT_CODE_FILENAME).read_text() == f"{code}\n"
