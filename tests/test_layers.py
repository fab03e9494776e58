"""The package's parts stand in layers and data flow one way: nothing imports a part that stands above it.

scenarios -> problem -> organizations -> model -> experiments -> analysis -> plots -> report, classroom,
validation -> command line. A part may import its own layer and those below; the modules of the package form
no import circle.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "src" / "cisim"

#: Each part's layer; a part may import only parts of its layer or lower.
LAYERS = {
    "version": 0,
    "files": 0,
    "shipped": 0,
    "scenarios": 0,
    "problem": 1,
    "organizations": 2,
    "model": 3,
    "experiments": 4,
    "analysis": 5,
    "plots": 6,
    "report": 7,
    "classroom": 7,
    "validation": 7,
    "cli": 8,
    "api": 8,
    "app": 8,
    "__init__": 9,
    "__main__": 9,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """cisim modules a file imports, at the top or inside functions, outside ``if TYPE_CHECKING`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("cisim")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cisim"):
            found.add(node.module)
    return found


def part(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def test_no_part_imports_a_part_above_it():
    upward = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        own = part(module_name(path)) if path.stem != "__main__" else "__main__"
        above = sorted(m for m in imported(path) if LAYERS[part(m)] > LAYERS[own])
        if above:
            upward[str(path.relative_to(PACKAGE))] = above
    assert upward == {}


def test_the_package_has_no_import_circles():
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {name: {m for m in imported(path) if m in modules and m != name} for name, path in modules.items()}
    # a package's __init__ re-exports its modules; importing from it stands for importing what it re-exports
    state: dict[str, int] = {}
    circles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if nxt.startswith(node + "."):
                continue  # a package importing its own modules is how it re-exports them
            if state.get(nxt) == 1:
                circles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert circles == []
