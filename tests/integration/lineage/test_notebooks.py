"""Every notebook in notebooks/ runs top to bottom on a fresh kernel against the real store,
and is committed without outputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[3] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory, monkeypatch_module) -> str:
    """A kernelspec for this interpreter (the venv with graphflow), found through JUPYTER_PATH."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "graphflow-tests"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "graphflow tests", "language": "python"})
    )
    monkeypatch_module.setenv("JUPYTER_PATH", str(root))
    # connection files and the kernel's IPython profile go here too, not under ~
    monkeypatch_module.setenv("JUPYTER_RUNTIME_DIR", str(root / "runtime"))
    monkeypatch_module.setenv("IPYTHONDIR", str(root / "ipython"))
    return "graphflow-tests"


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], cell.source[:60]
            assert cell.execution_count is None, cell.source[:60]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_runs_top_to_bottom(path: Path, kernel_name: str, backend, tmp_path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError at the first cell that fails unexpectedly
    errors = [
        (cell.source.splitlines()[0], output.evalue)
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
    # cells meant to fail show one readable message, not a traceback
    for cell in notebook.cells:
        if "raises-exception" in cell.metadata.get("tags", []):
            shown = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert shown.startswith("UsageError: "), cell.source
            assert "Traceback" not in shown
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    kinds = {kind for o in outputs for kind in o.get("data", {})}
    assert {"text/html", "image/svg+xml"} <= kinds
