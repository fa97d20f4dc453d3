"""Archives on the real stores (issue 26, item 4): what a node brings along, a round trip
into another profile (an embedded store in a fresh home: from Neo4j on the Neo4j pass)
compared node for node and link for link, importing twice, and every bad archive refused
before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import graphflow as gf
from graphflow import _loop
from graphflow.archive import create_archive, import_archive, inspect_archive
from graphflow.cli._root import cli
from graphflow.errors import ArchiveError
from graphflow.orm import get_backend

pytestmark = pytest.mark.usefixtures("backend")

GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")


@gf.calcfunction
def add(a: gf.Int, b: gf.Int) -> gf.Int:
    return a + b


@gf.calcfunction
def write_text(x: gf.Int) -> gf.SinglefileData:
    return gf.SinglefileData(io.BytesIO(f"x = {x.value}\n".encode()), filename="x.txt")


class Steps(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input("a", valid_type=gf.Int)
        spec.output("sum", valid_type=gf.Int)
        spec.output("file", valid_type=gf.SinglefileData)
        spec.outline(cls.step)

    def step(self) -> None:
        self.report("adding and writing")
        total = add(self.inputs.a, gf.Int(1))
        self.out("sum", total)
        self.out("file", write_text(total))


def workflow() -> Any:
    """A work chain with two calculations, a file, a report; its pk."""
    return gf.run_get_node(Steps, a=gf.Int(random.randrange(10**9, 10**12)))[1]


def members(path: Path) -> dict[str, list[dict[str, Any]]]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: [json.loads(line) for line in archive.read(f"{name}.jsonl").splitlines()]
            for name in ("nodes", "links", "logs", "groups")
        }


def rewritten(source: Path, target: Path, change: Any) -> Path:
    """A copy of the archive ``source`` whose members ``change`` edits in place."""
    content = members(source)
    change(content)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            member = name.removesuffix(".jsonl")
            if member in content:
                new.writestr(name, "".join(json.dumps(r) + "\n" for r in content[member]))
            else:
                new.writestr(name, old.read(name))
    return target


def command(*args: str) -> subprocess.CompletedProcess[str]:
    """``graphflow ARGS`` on this session's profile, as a user runs it."""
    return subprocess.run(
        [GRAPHFLOW, *args], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )


def counts_here() -> tuple[int, int]:
    (row,) = gf.cypher(
        "MATCH (n:Node) OPTIONAL MATCH (n)-[l:INPUT|CREATE|CALL|RETURN]->() "
        "RETURN count(DISTINCT n) AS nodes, count(l) AS links"
    )
    return row["nodes"], row["links"]


def test_a_workflow_brings_what_it_called_and_returned_and_their_ancestors(tmp_path: Path) -> None:
    node = workflow()
    counts = create_archive(tmp_path / "w.zip", nodes=[node.pk])
    content = members(tmp_path / "w.zip")
    kinds = sorted(n["node_type"] for n in content["nodes"])
    # the work chain, its input a, add with its other input, the sum, write_text, the file
    assert kinds == ["core.int"] * 3 + ["core.singlefile"] + ["process.calcfunction"] * 2 + [
        "process.workchain"
    ]
    assert counts["nodes"] == len(content["nodes"])
    assert counts["files"] == 1
    assert any(log["message"] == "adding and writing" for log in content["logs"])
    assert all("pk" not in n for n in content["nodes"])
    # a data node brings its creator and its ancestors, never the workflow that returned it
    (total,) = [n for n in node.outputs.values() if isinstance(n, gf.Int)]
    create_archive(tmp_path / "d.zip", nodes=[total.uuid])
    types = sorted(n["node_type"] for n in members(tmp_path / "d.zip")["nodes"])
    assert "process.workchain" not in types
    assert types.count("process.calcfunction") == 1


def test_a_round_trip_to_another_profile_is_the_same_graph(tmp_path: Path) -> None:
    node = workflow()
    group = gf.Group(label=f"trip-{random.randrange(10**9)}").store()
    extra = gf.Dict({"energy": -1.5, "nested": {"k": [1, 2]}})
    extra.set_extra("tag", "mine")
    extra.store()
    group.add_nodes([node, extra])
    sent = tmp_path / "sent.zip"
    assert (
        CliRunner().invoke(cli, ["archive", "create", str(sent), "-G", group.label]).exit_code == 0
    )

    home = tmp_path / "other"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPHFLOW_")}
    env["GRAPHFLOW_HOME"] = str(home)
    back = tmp_path / "back.zip"

    def graphflow(*args: str) -> str:
        command = [sys.executable, "-c", args[1]] if args[0] == "-c" else [GRAPHFLOW, *args]
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def first_half(content: dict[str, list[dict[str, Any]]]) -> None:
        """What an import stopped halfway leaves: some nodes, the links among them."""
        content["nodes"] = content["nodes"][: len(content["nodes"]) // 2]
        kept = {n["uuid"] for n in content["nodes"]}
        content["links"] = [
            link for link in content["links"] if {link["source"], link["target"]} <= kept
        ]
        content["logs"] = [log for log in content["logs"] if log["process_uuid"] in kept]
        content["groups"] = []

    part = members(rewritten(sent, tmp_path / "part.zip", first_half))
    whole = members(sent)
    try:
        graphflow("archive", "import", str(tmp_path / "part.zip"))
        out = graphflow("archive", "import", str(sent))
        nodes = len(whole["nodes"]) - len(part["nodes"])
        links = len(whole["links"]) - len(part["links"])
        assert f"new here: {nodes} nodes, {links} links" in out
        graphflow("archive", "create", str(back), "--all")  # all it has: what it imported
        again = graphflow("archive", "import", str(sent))
        assert "new here: 0 nodes, 0 links, 0 logs, 0 groups, 0 files" in again
        script = (
            f"import graphflow as gf; n = gf.load_node({node.uuid!r}); "
            "print(n.outputs.file.get_content())"
        )
        assert graphflow("-c", script).strip() == f"x = {node.outputs.sum.value}"
        # an archive's calculations are no cache sources there (their outputs came from
        # the archive), until a user who trusts it rehashes them; data keeps its hashes
        hashes = (
            "import graphflow as gf; print(gf.cypher('MATCH (c:Calculation) "
            "RETURN count(c.hash) AS c, count(c) AS n')[0])"
        )
        assert graphflow("-c", hashes).strip() == "{'c': 0, 'n': 2}"
    finally:
        subprocess.run([GRAPHFLOW, "store", "stop"], env=env, capture_output=True, check=False)

    ours, theirs = members(sent), members(back)
    by_uuid = {n["uuid"]: n for n in ours["nodes"]}

    def as_imported(node: dict[str, Any]) -> dict[str, Any]:
        """Every property, but a calculation's hash (no cache source after an import)."""
        calculation = node["node_type"].startswith(("process.calcfunction", "process.calcjob"))
        return {k: v for k, v in node.items() if not (calculation and k == "hash")}

    expected = {uuid: as_imported(node) for uuid, node in by_uuid.items()}
    assert {n["uuid"]: n for n in theirs["nodes"]} == expected  # node for node
    key = lambda link: (link["source"], link["target"], link["type"], link["label"])  # noqa: E731
    assert sorted(map(key, theirs["links"])) == sorted(map(key, ours["links"]))
    assert sorted(log["uuid"] for log in theirs["logs"]) == sorted(
        log["uuid"] for log in ours["logs"]
    )
    assert [g["label"] for g in theirs["groups"]] == [group.label]
    assert sorted(theirs["groups"][0]["nodes"]) == sorted(ours["groups"][0]["nodes"])
    assert by_uuid[extra.uuid]["extras__tag"] == "mine"


def test_importing_what_the_profile_has_adds_nothing(tmp_path: Path) -> None:
    node = workflow()
    create_archive(tmp_path / "a.zip", nodes=[node.pk])
    before = counts_here()
    assert import_archive(tmp_path / "a.zip") == dict.fromkeys(
        ("nodes", "links", "logs", "groups", "files"), 0
    )
    assert counts_here() == before


def test_a_node_here_with_other_content_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    node = workflow()
    create_archive(tmp_path / "a.zip", nodes=[node.pk])
    newcomer = {"uuid": f"00000000-0000-4000-8000-{random.randrange(10**12):012d}"}

    def change(content: dict[str, list[dict[str, Any]]]) -> None:
        first = next(n for n in content["nodes"] if n["node_type"] == "core.int")
        first["attributes"] = json.dumps({"value": -1})
        content["nodes"].append({**first, **newcomer})

    bad = rewritten(tmp_path / "a.zip", tmp_path / "bad.zip", change)
    before = counts_here()
    with pytest.raises(ArchiveError, match="exists in this profile with another attributes"):
        import_archive(bad)
    assert counts_here() == before
    assert gf.cypher("MATCH (n:Node {uuid: $u}) RETURN n", u=newcomer["uuid"]) == []


def test_a_second_creator_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    node = workflow()
    create_archive(tmp_path / "a.zip", nodes=[node.pk])

    def change(content: dict[str, list[dict[str, Any]]]) -> None:
        creates = [link for link in content["links"] if link["type"] == "CREATE"]
        creates[0]["source"] = creates[1]["source"]  # another calculation made it

    bad = rewritten(tmp_path / "a.zip", tmp_path / "bad.zip", change)
    with pytest.raises(ArchiveError, match=r"was created here by .* a node is created once"):
        import_archive(bad)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "truncated"),
        (lambda p: p.write_text("not a zip"), "not a graphflow archive"),
        ("version", "format version 99, newer than this graphflow reads"),
        ("member", "lacks links.jsonl"),
        ("flipped", "links.jsonl is damaged"),
        ("not-a-time", "property 'ctime' is 'not a date', not a time"),
    ],
    ids=["truncated", "not-a-zip", "newer", "missing-member", "flipped-byte", "not-a-time"],
)
def test_a_bad_archive_is_named_and_nothing_is_written(
    tmp_path: Path, damage: Any, message: str
) -> None:
    node = workflow()
    path = tmp_path / "a.zip"
    create_archive(path, nodes=[node.pk])
    if damage == "version":
        with zipfile.ZipFile(path) as old:
            meta = json.loads(old.read("metadata.json"))
            parts = {name: old.read(name) for name in old.namelist()}
        parts["metadata.json"] = json.dumps({**meta, "version": 99}).encode()
        with zipfile.ZipFile(path, "w") as new:
            for name, data in parts.items():
                new.writestr(name, data)
    elif damage == "member":
        with zipfile.ZipFile(path) as old:
            parts = {name: old.read(name) for name in old.namelist() if name != "links.jsonl"}
        with zipfile.ZipFile(path, "w") as new:
            for name, data in parts.items():
                new.writestr(name, data)
    elif damage == "flipped":
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("links.jsonl")
        data = bytearray(path.read_bytes())
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        data[start + info.compress_size // 2] ^= 0xFF  # one byte inside its deflated data
        path.write_bytes(bytes(data))
    elif damage == "not-a-time":

        def bad_time(content: dict[str, list[dict[str, Any]]]) -> None:
            content["nodes"][0]["ctime"] = "not a date"

        rewritten(path, tmp_path / "b.zip", bad_time).replace(path)
    else:
        damage(path)
    before = counts_here()
    with pytest.raises(ArchiveError, match=message):
        import_archive(path)
    assert counts_here() == before
    result = command("archive", "import", str(path))
    assert result.returncode == 1
    assert message.split(",")[0] in result.stderr
    assert "Traceback" not in result.stderr


def test_only_terminated_processes_are_archived_and_no_file_is_left(tmp_path: Path) -> None:
    node = workflow()
    store = _loop.call(get_backend()).store
    running = "MATCH (n:Node {uuid: $u}) SET n.process_state = 'running'"
    _loop.call(store.run_adhoc_write(running, {"u": node.uuid}))
    with pytest.raises(ArchiveError, match="is running: only terminated processes are archived"):
        create_archive(tmp_path / "a.zip", nodes=[node.pk])
    assert list(tmp_path.iterdir()) == []
    finished = "MATCH (n:Node {uuid: $u}) SET n.process_state = 'finished'"
    _loop.call(store.run_adhoc_write(finished, {"u": node.uuid}))


def test_the_command_line_names_what_is_missing(tmp_path: Path) -> None:
    nothing = command("archive", "create", str(tmp_path / "a.zip"))
    assert nothing.returncode == 1
    assert "give --nodes PK... or --groups LABEL..." in nothing.stderr
    node = workflow()
    (tmp_path / "taken.zip").write_text("mine")
    taken = command("archive", "create", str(tmp_path / "taken.zip"), "-N", str(node.pk))
    assert "exists already" in taken.stderr
    assert (tmp_path / "taken.zip").read_text() == "mine"
    create_archive(tmp_path / "a.zip", nodes=[node.pk])
    shown = CliRunner().invoke(cli, ["archive", "inspect", str(tmp_path / "a.zip"), "--json"])
    assert json.loads(shown.stdout)["counts"] == inspect_archive(tmp_path / "a.zip")["counts"]


def test_a_link_against_the_link_rules_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    node = workflow()
    create_archive(tmp_path / "a.zip", nodes=[node.pk])

    def change(content: dict[str, list[dict[str, Any]]]) -> None:
        create = next(link for link in content["links"] if link["type"] == "CREATE")
        create["type"] = "RETURN"  # a calculation does not return, it creates

    bad = rewritten(tmp_path / "a.zip", tmp_path / "bad.zip", change)
    before = counts_here()
    with pytest.raises(
        ArchiveError, match=r"a RETURN link from calculation node .* breaks the link rules"
    ):
        import_archive(bad)
    assert counts_here() == before


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"process_state": "running"}, "is a process that is running; archives hold terminated"),
        ({"extras__tag": {"not": "a property"}}, "property 'extras__tag' holds dict"),
    ],
    ids=["running-process", "map-property"],
)
def test_a_node_the_store_would_refuse_is_named_before_anything_is_written(
    tmp_path: Path, edit: dict[str, Any], message: str
) -> None:
    node = workflow()
    create_archive(tmp_path / "a.zip", nodes=[node.pk])
    newcomer = f"00000000-0000-4000-8000-{random.randrange(10**12):012d}"

    def change(content: dict[str, list[dict[str, Any]]]) -> None:
        record = next(n for n in content["nodes"] if n["node_type"] == "process.workchain")
        content["nodes"].append({**record, "uuid": newcomer, **edit})

    bad = rewritten(tmp_path / "a.zip", tmp_path / "bad.zip", change)
    before = counts_here()
    with pytest.raises(ArchiveError, match=message):
        import_archive(bad)
    assert counts_here() == before


def test_a_file_whose_content_is_not_its_name_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    node = workflow()
    path = tmp_path / "a.zip"
    create_archive(path, nodes=[node.pk])
    forged = f"forged content {random.randrange(10**12)}\n".encode()
    with zipfile.ZipFile(path) as old:
        parts = {name: old.read(name) for name in old.namelist()}
    (key,) = [name for name in parts if name.startswith("repository/")]
    parts[key] = forged
    with zipfile.ZipFile(path, "w") as new:
        for name, data in parts.items():
            new.writestr(name, data)
    with pytest.raises(ArchiveError, match=r"is damaged .*nothing was written"):
        import_archive(path)
    repository = _loop.call(get_backend()).repository
    assert not repository.has(hashlib.sha256(forged).hexdigest())
    assert inspect_archive(path)["counts"]["files"] == 1  # the zip itself is sound


def test_inspect_reads_every_member_and_names_a_damaged_one(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    create_archive(path, nodes=[workflow().pk])
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("nodes.jsonl")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="damaged"):
        inspect_archive(path)
