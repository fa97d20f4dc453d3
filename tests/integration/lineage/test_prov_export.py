"""W3C PROV export on the real store: read back by the prov package, and from the CLI."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import TYPE_CHECKING

import prov
import pytest
from prov.model import ProvActivity, ProvEntity, ProvGeneration, ProvInfluence, ProvStart, ProvUsage

from graphflow import lineage

if TYPE_CHECKING:
    from pathlib import Path


def count(document, kind) -> int:
    return sum(isinstance(r, kind) for r in document.get_records())


@pytest.mark.parametrize("fmt", ["json", "provn", "xml"])
def test_round_trip_through_the_prov_reader(paper, fmt: str) -> None:
    document = lineage.to_prov(paper.result)
    text = lineage.export_prov(paper.result, fmt)
    source = io.BytesIO(text.encode()) if fmt == "xml" else io.StringIO(text)
    back = prov.read(source, format=fmt)
    assert back == document
    assert count(back, ProvActivity) == 3  # add_multiply, add, multiply
    assert count(back, ProvUsage) == 7
    assert count(back, ProvGeneration) == 2
    assert count(back, ProvInfluence) == 1
    assert count(back, ProvStart) == 2


def test_data_links_only(paper) -> None:
    document = lineage.to_prov(paper.result, links="data")
    assert count(document, ProvActivity) == 2
    assert count(document, ProvInfluence) == 0
    entities = [r for r in document.get_records() if isinstance(r, ProvEntity)]
    values = sorted(v for e in entities for k, v in e.attributes if str(k) == "prov:value")
    assert values == [1, 2, 3, 3, 9]


def test_cli_writes_each_format(paper, tmp_path: Path) -> None:
    for fmt in ("json", "provn", "xml"):
        out = tmp_path / f"prov.{fmt}"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "graphflow.cli",
                "export",
                "prov",
                str(paper.result.pk),
                "--format",
                fmt,
                "-o",
                str(out),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert f"Wrote the provenance of pk {paper.result.pk} to {out}" in done.stderr
        opened = out.open("rb") if fmt == "xml" else out.open(encoding="utf-8")
        with opened as source:
            assert prov.read(source, format=fmt) == lineage.to_prov(paper.result)


def test_cli_to_standard_output_and_unknown_pk(paper) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "graphflow.cli",
            "export",
            "prov",
            str(paper.result.pk),
            "-f",
            "provn",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("document\n")
    assert "wasGeneratedBy(" in done.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "graphflow.cli", "export", "prov", "987654321"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert missing.returncode == 1
    assert "no node with pk 987654321" in missing.stderr
