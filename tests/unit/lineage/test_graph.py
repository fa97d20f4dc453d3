"""ProvenanceGraph: depths, parts, merging and the networkx view, on listing 8 in memory."""

from __future__ import annotations

from graphflow.lineage import Link, ProvenanceGraph


def pks(graph: ProvenanceGraph, uuids) -> list[int]:
    return sorted(graph.nodes[u].pk for u in uuids)


def test_depths_upstream_count_links_against_their_direction(paper: ProvenanceGraph) -> None:
    (root,) = paper.roots
    depth = paper.depths([root], upstream=True)
    by_pk = {paper.nodes[u].pk: d for u, d in depth.items()}
    # 8 <-CREATE- 7 <-INPUT- 6, 3; 8 <-RETURN- 4; 7 <-CALL- 4; 6 <-CREATE- 5 ...
    assert by_pk == {8: 0, 7: 1, 4: 1, 3: 2, 6: 2, 1: 2, 2: 2, 5: 3}


def test_depths_downstream_follow_links(paper: ProvenanceGraph) -> None:
    one = next(u for u, n in paper.nodes.items() if n.pk == 1)
    by_pk = {paper.nodes[u].pk: d for u, d in paper.depths([one], upstream=False).items()}
    assert by_pk == {1: 0, 4: 1, 5: 1, 6: 2, 7: 2, 8: 2}


def test_limited_keeps_the_links_among_the_kept_nodes_only(paper: ProvenanceGraph) -> None:
    part = paper.limited(paper.roots, 1, upstream=True)
    assert pks(part, part.nodes) == [4, 7, 8]
    assert {(part.nodes[k.source].pk, k.type, part.nodes[k.target].pk) for k in part.links} == {
        (7, "CREATE", 8),
        (4, "RETURN", 8),
        (4, "CALL", 7),
    }
    assert part.roots == paper.roots


def test_subgraph_never_leaves_a_dangling_link(paper: ProvenanceGraph) -> None:
    uuids = [u for u, n in paper.nodes.items() if n.pk in (1, 5, 6, 99)]
    part = paper.subgraph(uuids)
    assert pks(part, part.nodes) == [1, 5, 6]
    assert all(k.source in part.nodes and k.target in part.nodes for k in part.links)
    assert len(part.links) == 2
    assert part.roots == []


def test_add_merges_without_duplicates(paper: ProvenanceGraph) -> None:
    copy = ProvenanceGraph(dict(paper.nodes), list(paper.links[:5]), [])
    copy.add(paper)
    assert len(copy) == 8
    assert len(copy.links) == len(paper.links) == len(set(copy.links))
    assert copy.roots == paper.roots


def test_reading_helpers(paper: ProvenanceGraph) -> None:
    (root,) = paper.roots
    assert [n.pk for n in paper] == list(range(1, 9))
    assert paper.nodes[root] in paper
    assert root in paper
    assert "nope" not in paper
    assert [(k.type, k.label) for k in paper.incoming(root)] == [
        ("CREATE", "result"),
        ("RETURN", "result"),
    ]
    workflow = next(u for u, n in paper.nodes.items() if n.pk == 4)
    assert [k.type for k in paper.outgoing(workflow)] == ["CALL", "CALL", "RETURN"]
    assert repr(paper) == "<ProvenanceGraph around pk 8: 8 nodes, 12 links>"


def test_to_networkx_keeps_nodes_and_every_link(paper: ProvenanceGraph) -> None:
    graph = paper.to_networkx()
    assert graph.number_of_nodes() == 8
    assert graph.number_of_edges() == 12
    (root,) = paper.roots
    assert graph.nodes[root]["pk"] == 8
    assert graph.nodes[root]["label"] == "Int"
    assert graph.nodes[root]["node"] is paper.nodes[root]
    edges = {(d["type"], d["label"]) for _, _, d in graph.in_edges(root, data=True)}
    assert edges == {("CREATE", "result"), ("RETURN", "result")}


def test_two_links_between_the_same_nodes_stay_two(paper: ProvenanceGraph) -> None:
    by_pk = {n.pk: u for u, n in paper.nodes.items()}
    twice = [Link(by_pk[6], by_pk[7], "INPUT", "a"), Link(by_pk[6], by_pk[7], "INPUT", "b")]
    graph = paper.subgraph([by_pk[6], by_pk[7]])
    graph.links = twice
    assert graph.to_networkx().number_of_edges(by_pk[6], by_pk[7]) == 2
