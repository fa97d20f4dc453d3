"""Storing and loading every data type on the real embedded store."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
import uuid
from typing import TYPE_CHECKING

import numpy as np
import pytest

import graphflow as gf
from graphflow.errors import (
    ModificationNotAllowedError,
    MultipleObjectsError,
    NotExistentError,
    ReadOnlyQueryError,
    RepositoryError,
)

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.usefixtures("backend")


@pytest.mark.parametrize(
    "node",
    [
        lambda: gf.Int(-7),
        lambda: gf.Float(2.5),
        lambda: gf.Str("text with 'quotes' and ünïcode"),
        lambda: gf.Bool(False),
        lambda: gf.Dict({"a": 1, "nested": {"b": [1, 2, {"c": None}]}}),
        lambda: gf.List([1, "two", 3.0, None, [4]]),
    ],
)
def test_round_trip(node) -> None:
    original = node().store()
    loaded = gf.load_node(original.pk)
    assert type(loaded) is type(original)
    assert loaded.uuid == original.uuid
    assert loaded == original
    assert loaded.attributes == original.attributes
    assert loaded.ctime == original.ctime
    assert loaded.ctime.tzinfo is not None


def test_special_floats_round_trip() -> None:
    for value in (float("nan"), float("inf"), -float("inf")):
        loaded = gf.load_node(gf.Float(value).store().pk).value
        assert (math.isnan(loaded) and math.isnan(value)) or loaded == value


def test_pks_are_unique_small_integers_under_concurrency() -> None:
    nodes: list[gf.Int] = []
    lock = threading.Lock()

    def store_some() -> None:
        for i in range(25):
            stored = gf.Int(i).store()
            with lock:
                nodes.append(stored)

    threads = [threading.Thread(target=store_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pks = [n.pk for n in nodes]
    assert len(set(pks)) == 100
    assert all(isinstance(pk, int) and pk > 0 for pk in pks)


def test_attributes_are_immutable_extras_are_not() -> None:
    node = gf.Dict({"a": 1}).store()
    with pytest.raises(ModificationNotAllowedError, match=f"pk {node.pk}: attribute 'a'"):
        node["a"] = 2
    node.set_extra("tag", {"checked": True})
    node.label = "relabelled"
    loaded = gf.load_node(node.uuid)
    assert loaded.get_extra("tag") == {"checked": True}
    assert loaded.label == "relabelled"
    assert loaded["a"] == 1


def test_load_by_uuid_prefix_and_errors() -> None:
    node = gf.Int(1).store()
    assert gf.load_node(node.uuid[:12]).pk == node.pk
    with pytest.raises(NotExistentError, match="no node with pk 987654321"):
        gf.load_node(987654321)
    with pytest.raises(NotExistentError, match="neither a uuid nor"):
        gf.load_node("zz")
    many = [gf.Int(i).store() for i in range(40)]
    prefixes: dict[str, int] = {}
    for n in many:
        prefixes[n.uuid[:4]] = prefixes.get(n.uuid[:4], 0) + 1
    shared = [prefix for prefix, count in prefixes.items() if count > 1]
    if not shared:  # make a collision certain: 4 hex digits, 65,536 prefixes
        shared = [many[0].uuid[:4]]
        other = gf.Int(0)
        other._uuid = many[0].uuid[:4] + other.uuid[4:]
        other.store()
    with pytest.raises(MultipleObjectsError, match="matches several nodes"):
        gf.load_node(shared[0])


def test_files_and_arrays(tmp_path: Path) -> None:
    source = tmp_path / "input.txt"
    source.write_text("hello\n")
    single = gf.SinglefileData(source).store()
    source.unlink()  # the repository holds the content now
    loaded = gf.load_node(single.pk)
    assert loaded.get_content() == "hello\n"
    assert loaded.filename == "input.txt"

    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("A")
    (tree / "sub" / "b.txt").write_text("B")
    folder = gf.FolderData(tree).store()
    loaded_folder = gf.load_node(folder.pk)
    assert loaded_folder.list_object_names() == ["a.txt", "sub"]
    assert loaded_folder.get_object_content("sub/b.txt") == "B"

    arrays = gf.ArrayData({"x": np.linspace(0, 1, 5), "m": np.eye(2, dtype=np.int32)}).store()
    loaded_arrays = gf.load_node(arrays.pk)
    assert np.array_equal(loaded_arrays.get_array("m"), np.eye(2, dtype=np.int32))
    assert loaded_arrays.get_shape("x") == (5,)


def test_identical_content_is_stored_once(tmp_path: Path, graphflow_home: Path) -> None:
    payload = b"same bytes " * 1000
    first = gf.FolderData()
    first.put_object_from_bytes(payload, "one.bin")
    second = gf.FolderData()
    second.put_object_from_bytes(payload, "two.bin")
    first.store()
    second.store()
    key = first.attributes["files"]["one.bin"]["key"]
    assert key == second.attributes["files"]["two.bin"]["key"]
    objects = list(
        (graphflow_home / "profiles" / "default" / "repository" / "objects").rglob(key[2:])
    )
    assert len(objects) == 1


def test_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.dat"
    with pytest.raises(RepositoryError, match=f"file {missing} does not exist"):
        gf.SinglefileData(missing)


def test_cypher_reads_and_refuses_writes() -> None:
    node = gf.Int(123456789, label="cypher-test").store()
    rows = gf.cypher(
        "MATCH (n:Int {label: $label}) RETURN n, n.value AS value", label="cypher-test"
    )
    assert rows == [{"n": node, "value": 123456789}]
    assert isinstance(rows[0]["n"], gf.Int)
    with pytest.raises(ReadOnlyQueryError, match="write clause DETACH DELETE"):
        gf.cypher("MATCH (n {label: 'cypher-test'}) DETACH DELETE n")
    assert gf.load_node(node.pk).value == 123456789


@pytest.fixture
def full_repository(graphflow_home: Path, tmp_path: Path):
    """The default profile's file repository on a 1 MiB tmpfs (objects written meanwhile
    vanish with it; nothing else in the session reads them)."""
    import subprocess

    from graphflow import _loop
    from graphflow.orm import get_backend

    root = _loop.call(get_backend()).repository.root
    root.mkdir(parents=True, exist_ok=True)  # made on the first write
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(root)], check=True)
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(root)], check=True)


def test_a_full_disk_names_the_repository_and_stores_nothing(
    full_repository: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 3_000_000)
    count = "MATCH (n:SinglefileData) RETURN count(n) AS n"
    before = gf.cypher(count)[0]["n"]

    with pytest.raises(RepositoryError, match=f"{full_repository}.*the disk is full"):
        gf.SinglefileData(big).store()
    folder = gf.FolderData()
    with pytest.raises(RepositoryError, match="the disk is full"):
        folder.put_object_from_bytes(b"y" * 3_000_000, "big.bin")
    assert folder.list_object_names() == []  # the failed file is not half-added

    assert gf.cypher(count)[0]["n"] == before
    leftovers = [p for p in full_repository.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in leftovers) < 1_000_000, leftovers  # no partial object
    small = tmp_path / "small.txt"
    small.write_text("still fine")
    assert gf.load_node(gf.SinglefileData(small).store().pk).get_content() == "still fine"


_CONCURRENT_WRITER = """
import sys
import graphflow as gf
from graphflow.orm import get_backend

@gf.calcfunction
def add(a, b):
    return a + b

@gf.workfunction
def chain(start, steps):
    a, b = start, gf.Int(1).store()
    for _ in range(steps.value):
        a, b = b, add(a, b)
    return b

tag = sys.argv[1]
for i in range(12):
    chain(gf.Int(i), gf.Int(30))
    gf.Int(i, label=tag).store()
store = gf._loop.call(get_backend()).store
print("done", tag, store.write_retries)
"""


def test_two_processes_writing_the_same_types_at_once_both_finish() -> None:
    """Two interpreters of one profile (as daemon workers are) storing the same node types
    at the same moment: on ArcadeDB their commits can conflict, and a transaction that
    loses one runs its next try alone (the store's write turns), so both finish with all
    their nodes, and few transactions are run again."""
    env = dict(os.environ)
    tags = [f"writer-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CONCURRENT_WRITER, tag],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in tags
    ]
    outputs = [p.communicate(timeout=240) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
        word, _tag, retries = out.split()
        assert word == "done", out
        # each of its 12 transactions loses at most one conflict: its retry runs alone
        # (without write turns, a loser retried among the other's commits dozens of times)
        assert int(retries) <= 12, f"{retries} write transactions were run again"
    for tag in tags:
        rows = gf.cypher("MATCH (n:Int {label: $tag}) RETURN count(n) AS n", tag=tag)
        assert rows == [{"n": 12}]
