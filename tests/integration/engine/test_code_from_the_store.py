"""No code from data (issue 21): a process's class is imported to continue it only from
where this profile launches code. A store that names another file or module, as anyone
with write access to the store could, gets a refusal naming the class and how to allow
it, and that code never runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.daemon_workflows import Ticker

import graphflow as gf
from graphflow import _loop
from graphflow.config import resolve_profile
from graphflow.engine._resume import rebuild
from graphflow.errors import PluginError
from graphflow.orm import WriteScope, get_backend
from graphflow.orm._session import commit_scope

if TYPE_CHECKING:
    from graphflow.orm import ProcessNode

pytestmark = pytest.mark.usefixtures("backend")

EXECUTABLE = Path(sys.executable).parent / "graphflow"


def _stored_ticker() -> ProcessNode:
    backend = _loop.call(get_backend())
    process = Ticker({"ticks": gf.Int(1)})
    scope = WriteScope(backend)
    process._write_creation(scope)
    scope.update(process.node, {"checkpoint": process.initial_checkpoint()})
    _loop.call(commit_scope(scope))
    return gf.load_node(process.node.uuid)


def _tamper(node: ProcessNode, process_type: str) -> ProcessNode:
    """What an attacker with write access to the store does: rename the class."""
    checkpoint = json.loads(node.checkpoint or "")
    checkpoint["process_type"] = process_type
    backend = _loop.call(get_backend())
    _loop.call(
        backend.store.run_adhoc_write(
            "MATCH (n {uuid: $u}) SET n.checkpoint = $c, n.process_type = $t",
            {"u": node.uuid, "c": json.dumps(checkpoint), "t": process_type},
        )
    )
    return gf.load_node(node.uuid)


@pytest.fixture
def evil(tmp_path: Path) -> tuple[Path, Path]:
    """A script that leaves a mark when it is imported."""
    mark = tmp_path / "it-ran"
    script = tmp_path / "evil" / "evil.py"
    script.parent.mkdir()
    script.write_text(f"open({str(mark)!r}, 'w').write('ran')\nclass X: pass\n")
    return script, mark


def test_launching_trusts_the_origin_so_the_process_continues_anywhere() -> None:
    node = _stored_ticker()
    tests_folder = str(Path(__file__).resolve().parents[2])
    assert tests_folder in resolve_profile().trusted_code
    process = _loop.call(rebuild(_loop.call(get_backend()), node))
    assert type(process) is Ticker


def test_a_script_named_by_the_store_is_refused_and_never_runs(evil: tuple[Path, Path]) -> None:
    script, mark = evil
    node = _tamper(_stored_ticker(), f"file:{script}:X")
    with pytest.raises(PluginError) as raised:
        _loop.call(rebuild(_loop.call(get_backend()), node))
    message = str(raised.value)
    assert f"file:{script}:X" in message
    assert f"graphflow profile trust default {script.parent}" in message
    assert not mark.exists()


@pytest.mark.parametrize("process_type", ["this:X", "antigravity:X", "os:system"])
def test_an_installed_module_named_by_the_store_is_refused(process_type: str) -> None:
    node = _tamper(_stored_ticker(), process_type)
    with pytest.raises(PluginError, match="does not trust"):
        _loop.call(rebuild(_loop.call(get_backend()), node))
    assert process_type.partition(":")[0] not in sys.modules or process_type.startswith("os")


def test_process_resume_refuses_it_too_and_the_owner_can_allow_it(
    evil: tuple[Path, Path],
) -> None:
    script, mark = evil
    node = _tamper(_stored_ticker(), f"file:{script}:X")
    refused = subprocess.run(
        [str(EXECUTABLE), "process", "resume", str(node.pk)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "does not trust" in refused.stderr + refused.stdout
    assert not mark.exists()
    allowed = subprocess.run(
        [str(EXECUTABLE), "profile", "trust", "default", str(script.parent)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert allowed.returncode == 0, allowed.stderr
    assert str(script.parent) in resolve_profile().trusted_code


def test_a_trusted_root_beside_a_module_found_elsewhere_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``module:X@/trusted/root`` where ``module`` would be imported by name from
    somewhere else (the standard library, PYTHONPATH, an interpreter's start folder)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    mark = tmp_path / "it-ran"
    (elsewhere / "planted.py").write_text(f"open({str(mark)!r}, 'w').write('ran')\n")
    monkeypatch.syspath_prepend(str(elsewhere))
    trusted_root = str(Path(__file__).resolve().parents[2])
    assert trusted_root in resolve_profile().trusted_code
    for process_type in (f"this:X@{trusted_root}", f"planted:X@{trusted_root}"):
        node = _tamper(_stored_ticker(), process_type)
        with pytest.raises(PluginError, match="would be imported from"):
            _loop.call(rebuild(_loop.call(get_backend()), node))
    assert not mark.exists()
    assert "planted" not in sys.modules
