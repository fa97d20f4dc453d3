"""The archive format's values and files, without a store."""

from __future__ import annotations

import datetime
import json
import math
import zipfile
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphflow.archive._format import ArchiveReader, ArchiveWriter, decode, encode, pages
from graphflow.errors import ArchiveError

if TYPE_CHECKING:
    from pathlib import Path

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.datetimes(timezones=st.just(datetime.UTC)),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=10,
)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


@given(st.dictionaries(st.text(), values, max_size=5))
def test_every_property_value_comes_back_as_it_went(record: dict[str, Any]) -> None:
    text = json.dumps(encode(record), allow_nan=False)  # strict JSON: no NaN tokens
    back = decode(json.loads(text))
    assert back.keys() == record.keys()
    assert all(same(record[k], back[k]) for k in record)


def test_a_written_archive_reads_back_line_by_line(tmp_path: Path) -> None:
    writer = ArchiveWriter(tmp_path / "a.zip")
    writer.start("nodes")
    for i in range(1200):
        writer.line({"uuid": str(i), "value": float("inf") if i == 7 else i})
    (tmp_path / "blob").write_bytes(b"\x00data")
    writer.add_file("k" * 64, tmp_path / "blob")
    writer.finish({"created": "now"})
    reader = ArchiveReader(tmp_path / "a.zip")
    assert reader.counts == {"nodes": 1200, "links": 0, "logs": 0, "groups": 0, "files": 1}
    read = list(reader.records("nodes"))
    assert len(read) == 1200
    assert read[7]["value"] == float("inf")
    assert list(reader.records("links")) == []
    assert reader.files() == ["k" * 64]
    assert reader.open_file("k" * 64).read() == b"\x00data"
    with pytest.raises(ArchiveError, match="lacks the file x"):
        reader.open_file("x")
    assert [len(p) for p in pages(range(1200))] == [500, 500, 200]


def test_a_damaged_line_is_named(tmp_path: Path) -> None:
    ArchiveWriter(tmp_path / "a.zip").finish({})
    with zipfile.ZipFile(tmp_path / "a.zip") as old:
        parts = {n: old.read(n) for n in old.namelist()}
    parts["nodes.jsonl"] = b'{"uuid": "1"}\n{"uuid": \n'
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as new:
        for name, data in parts.items():
            new.writestr(name, data)
    reader = ArchiveReader(tmp_path / "b.zip")
    with pytest.raises(ArchiveError, match=r"nodes\.jsonl line 2 is damaged"):
        list(reader.records("nodes"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "not a graphflow archive, or it is truncated"),
        ({"format": "other", "version": 1}, "not a graphflow archive"),
        ({"format": "graphflow-archive", "version": 2}, "format version 2, newer than"),
        ({"format": "graphflow-archive", "version": 1}, "lacks nodes.jsonl"),
    ],
)
def test_what_is_not_an_archive_is_refused_by_name(
    tmp_path: Path, content: Any, message: str
) -> None:
    path = tmp_path / "x.zip"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("metadata.json", json.dumps(content))
    with pytest.raises(ArchiveError, match=message):
        ArchiveReader(path)
