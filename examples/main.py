"""The README's main job: run the paper's listing 8 and show where its result came from."""

from listing08_add_multiply import add_multiply
from rich.console import Console

from graphflow import Int
from graphflow.lineage import ancestors, ancestry_tree

QUERY = (
    "MATCH (n:Node {pk: $pk})<-[:INPUT|CREATE*]-(a:Node) "
    "RETURN DISTINCT a.pk AS pk, labels(a) AS labels, a.value AS value ORDER BY pk"
)

if __name__ == "__main__":
    console = Console()
    result = add_multiply(Int(1), Int(2), Int(3))
    console.print(
        f"add_multiply(1, 2, 3) = [bold]{result.value}[/], stored as node pk {result.pk}\n"
    )
    console.print("Where did it come from?")
    console.print(ancestry_tree(result))
    console.print(f"\n{len(ancestors(result))} ancestors. Ask the graph yourself, from Python:\n")
    print("    import graphflow")
    print(f'    graphflow.cypher("{QUERY}", pk={result.pk})')
    print(f"\nor from the command line: graphflow node show {result.pk}")
