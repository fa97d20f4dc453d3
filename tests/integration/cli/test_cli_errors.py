"""`graphflow run FILE` shows a user's error as `python FILE` would: once, with the user's
frames and not graphflow's, click's or runpy's; a syntax error as Python shows it;
`--traceback` (or GRAPHFLOW_TRACEBACK=1) shows everything."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("backend")

GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")

FAILING = textwrap.dedent(
    """
    import graphflow as gf

    @gf.calcfunction
    def divide(a, b):
        return gf.Float(a.value / b.value)

    def main():
        divide(gf.Int(1), gf.Int(0))

    if __name__ == "__main__":
        main()
    """
)


def _run(
    tmp_path: Path, source: str, *options: str, **env: str
) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(source)
    return subprocess.run(
        [GRAPHFLOW, *options, "run", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        cwd=tmp_path,
    )


def test_a_users_error_shows_the_users_frames_once(tmp_path: Path) -> None:
    done = _run(tmp_path, FAILING)
    assert done.returncode == 1
    err = done.stderr
    assert err.count("ZeroDivisionError: division by zero") == 1, err
    assert err.count("Traceback (most recent call last):") == 1, err
    assert "in main" in err
    assert "in divide" in err
    assert "return gf.Float(a.value / b.value)" in err
    for noise in ("graphflow/engine", "graphflow/cli", "click", "runpy"):
        assert noise not in err, err


@pytest.mark.parametrize(
    ("options", "env"), [(("--traceback",), {}), ((), {"GRAPHFLOW_TRACEBACK": "1"})]
)
def test_the_whole_traceback_on_request(
    tmp_path: Path, options: tuple[str, ...], env: dict[str, str]
) -> None:
    err = _run(tmp_path, FAILING, *options, **env).stderr
    assert "graphflow/engine/_functions.py" in err
    assert "runpy" in err
    assert "ZeroDivisionError: division by zero" in err


def test_a_syntax_error_is_shown_as_python_shows_it(tmp_path: Path) -> None:
    done = _run(tmp_path, "x = (\n")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f'  File "{tmp_path / "script.py"}", line 1',
        "    x = (",
        "        ^",
        "SyntaxError: '(' was never closed",
    ]


FAILING_STEP = textwrap.dedent(
    """
    import graphflow as gf

    class Bad(gf.WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.outline(cls.boom)

        def boom(self):
            return 1 / 0

    if __name__ == "__main__":
        gf.run(Bad)
    """
)


def test_an_error_in_a_work_chain_step_shows_the_users_frames_once(tmp_path: Path) -> None:
    err = _run(tmp_path, FAILING_STEP).stderr
    assert err.count("ZeroDivisionError: division by zero") == 1, err
    assert "in boom" in err
    for noise in ("graphflow/engine", "concurrent/futures", "runpy", "[Bad "):
        assert noise not in err, err


def test_a_graphflow_error_keeps_its_notes(tmp_path: Path) -> None:
    """submit_many says which inputs dict is bad in a note: the one line keeps it."""
    source = textwrap.dedent(
        """
        from graphflow.errors import ProcessError

        error = ProcessError("Small: 1 problem with the given values")
        error.add_note("in inputs[5] given to submit_many: nothing was submitted")
        raise error
        """
    )
    done = _run(tmp_path, source)
    assert done.returncode == 1
    assert done.stderr == (
        "Error: Small: 1 problem with the given values\n"
        "in inputs[5] given to submit_many: nothing was submitted\n"
    )
