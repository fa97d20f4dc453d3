"""The interactive graph as a browser draws it (issue 25, item 5): headless Chromium opens
the page that ``node graph --format html`` writes and a notebook shows, and a probe read
from vis-network's own drawing says which nodes and links it drew, where their captions
are, and whether any two of them overlap. A screenshot is kept for a person to look at."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from graphflow.cli._root import cli
from graphflow.lineage import interactive
from graphflow.lineage._style import LINK_STYLES

if TYPE_CHECKING:
    from pathlib import Path

    from .conftest import Run

pytestmark = pytest.mark.usefixtures("backend")

#: after the first drawing, what vis-network drew: node ids with their boxes, each
#: link's ends, caption, colour, dashes and the box of its caption, and the zoom it
#: chose to fit the drawing into the page
PROBE = """
<script>
network.once("afterDrawing", function () {
  var drawn = {nodes: {}, edges: [], scale: network.getScale()};
  network.body.nodeIndices.forEach(function (id) {
    var node = network.body.nodes[id], box = network.getBoundingBox(id);
    box.caption = node.options.shape === "text" ? node.options.label : null;
    drawn.nodes[id] = box;
  });
  network.body.edgeIndices.forEach(function (id) {
    var edge = network.body.edges[id];
    drawn.edges.push({from: edge.fromId, to: edge.toId, colour: edge.options.color.color,
      dashes: edge.options.dashes, arrow: edge.options.arrows.to.enabled});
  });
  var out = document.createElement("pre");
  out.id = "drawn";
  out.textContent = JSON.stringify(drawn);
  document.body.appendChild(out);
});
network.redraw();  // the first drawing may have happened before this script ran
</script>
</body>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is missing: scripts/services/install.sh installs it (apt chromium)")
    return found


def open_in_chromium(page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--virtual-time-budget=10000", *args, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


def drawn(page_html: str, tmp_path: Path) -> dict[str, Any]:
    page = tmp_path / "probed.html"
    page.write_text(page_html.replace("</body>", PROBE, 1), encoding="utf-8")
    dom = open_in_chromium(page, "--dump-dom", "--window-size=1200,900").stdout
    found = re.search(r'<pre id="drawn">(.*?)</pre>', dom, re.DOTALL)
    assert found, "the page drew nothing (no afterDrawing): " + dom[-2000:]
    text = found.group(1).replace("&quot;", '"').replace("&amp;", "&")
    result: dict[str, Any] = json.loads(text.replace("&lt;", "<").replace("&gt;", ">"))
    return result


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def test_every_node_and_link_is_drawn_told_apart_and_readable(paper: Run, tmp_path: Path) -> None:
    view = interactive(paper.workflow, ancestor_depth=3, descendant_depth=3, links="all")
    picture = drawn(view.html, tmp_path)
    # the page is as tall as the drawing, so nothing is shrunk to fit (a fixed 600 px
    # drew this graph at 0.80 of its size)
    assert picture["scale"] >= 0.95
    nodes = {k: v for k, v in picture["nodes"].items() if v["caption"] is None}
    captions = {k: v for k, v in picture["nodes"].items() if v["caption"] is not None}
    assert set(nodes) == {str(n.pk) for n in view.graph.nodes.values()}
    # each link is drawn as two lines through its caption, the second with the arrow
    into = {e["to"]: e for e in picture["edges"] if e["to"] in captions}
    out_of = {e["from"]: e for e in picture["edges"] if e["from"] in captions}
    drawn_links = {
        (into[c]["from"], out_of[c]["to"], captions[c]["caption"].split()[0]) for c in captions
    }
    expected = {
        (view.graph.nodes[link.source].pk, view.graph.nodes[link.target].pk, link.type)
        for link in view.graph.links
    }
    assert drawn_links == expected
    assert {kind for _, _, kind in drawn_links} == {"INPUT", "CREATE", "RETURN", "CALL"}
    assert all(out_of[c]["arrow"] and not into[c]["arrow"] for c in captions)
    # each kind has its own colour and line
    looks = {
        captions[c]["caption"].split()[0]: (out_of[c]["colour"], json.dumps(out_of[c]["dashes"]))
        for c in captions
    }
    assert len(set(looks.values())) == 4
    assert len({dashes for _, dashes in looks.values()}) == 3  # solid, dashed, dotted
    # no caption overlaps another or a node, and no two nodes overlap
    boxes = list(picture["nodes"].items())
    for i, (a_id, a) in enumerate(boxes):
        for b_id, b in boxes[i + 1 :]:
            assert not overlap(a, b), f"{a_id} {a} overlaps {b_id} {b}"
    # the legend names every kind, in the page itself
    for kind in ("data", "calculation", "workflow", *LINK_STYLES):
        assert f"</span>{kind}</div>" in view.html
    shot = tmp_path / "graph.png"
    open_in_chromium(tmp_path / "probed.html", f"--screenshot={shot}", "--window-size=1200,700")
    assert shot.stat().st_size > 10_000  # a drawing, not a blank page


def test_node_graph_writes_the_interactive_page(paper: Run, tmp_path: Path) -> None:
    target = tmp_path / "graph.html"
    result = CliRunner().invoke(
        cli, ["node", "graph", str(paper.result.pk), "-f", "html", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    picture = drawn(target.read_text(encoding="utf-8"), tmp_path)
    assert str(paper.result.pk) in picture["nodes"]
    assert len(picture["nodes"]) >= 5  # the result, its calculation and their ancestors
