"""How a process class is named, and found again (no store needed)."""

from __future__ import annotations

import runpy
import sys
from typing import TYPE_CHECKING, Any

import pytest

from graphflow.engine._importing import import_name, load_named, unsubmittable_reason
from graphflow.errors import PluginError

if TYPE_CHECKING:
    from pathlib import Path

SCRIPT = """
from graphflow.engine._importing import import_name
NAME = import_name(__name__, "Chain")
"""


def test_scripts_run_one_after_another_as_main_are_each_named_by_their_file(
    tmp_path: Path,
) -> None:
    names = []
    for folder in ("one", "two"):
        script = tmp_path / folder / "run.py"
        script.parent.mkdir()
        script.write_text(SCRIPT)
        names.append(runpy.run_path(str(script), run_name="__main__")["NAME"])
    assert names == [f"file:{tmp_path / f}/run.py:Chain" for f in ("one", "two")]


def test_a_module_that_is_not_installed_is_named_with_its_folder(tmp_path: Path) -> None:
    (tmp_path / "pkg_x20").mkdir()
    (tmp_path / "pkg_x20" / "__init__.py").write_text("")
    (tmp_path / "pkg_x20" / "chains.py").write_text("class Chain:\n    pass\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import pkg_x20.chains  # noqa: F401

        name = import_name("pkg_x20.chains", "Chain")
    finally:
        sys.path.remove(str(tmp_path))
        for module in ("pkg_x20.chains", "pkg_x20"):
            sys.modules.pop(module, None)
    assert name == f"pkg_x20.chains:Chain@{tmp_path}"
    # an interpreter that cannot import it by name finds it through the folder
    assert load_named(name).__name__ == "Chain"
    assert import_name("json.decoder", "JSONDecoder") == "json.decoder:JSONDecoder"


def test_a_folder_that_no_longer_holds_the_module_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="no longer has it"):
        load_named(f"gone_module_x20:Chain@{tmp_path}")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("__main__:Chain", "interactive session"),
        ("mod:make.<locals>.Chain", "inside a function"),
        ("mod:Chain", None),
    ],
)
def test_what_cannot_be_submitted(name: str, reason: str | None) -> None:
    found = unsubmittable_reason(name)
    assert (found is None) if reason is None else (reason in str(found))


@pytest.mark.parametrize(
    ("process_type", "origin"),
    [
        ("core.arithmetic.add", None),  # an entry point
        ("graphflow.calculations.arithmetic:ArithmeticAdd", None),  # graphflow's own
        ("chains:SlowCount@/home/me/project", "/home/me/project"),
        ("mypkg.workflows:Relax", "mypkg"),
        ("this:X", "this"),
        ("file:/home/me/project/slow.py:SlowCount", "/home/me/project"),
        ("file:/home/me/project/../../tmp/evil.py:X", "/home/me/project/../../tmp"),
    ],
)
def test_the_origin_of_a_process_type_is_what_must_be_trusted(
    process_type: str, origin: str | None
) -> None:
    from graphflow.engine._trust import origin_of

    assert origin_of(process_type) == origin


def test_threads_loading_one_script_at_once_all_get_the_whole_module(tmp_path: Path) -> None:
    """A daemon worker loads the processes of a backlog on several threads: one thread must
    never see another's half-executed script (a new user's daemon excepted 14 of 1,500)."""
    import threading

    script = tmp_path / "slow_script.py"
    script.write_text("import time\ntime.sleep(0.3)\n\nclass Small:\n    pass\n")
    name = f"file:{script}:Small"
    found: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def load() -> None:
        start.wait()
        try:
            found.append(load_named(name))
        except BaseException as exc:  # collected: the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(found) == 8
    assert len(set(found)) == 1
