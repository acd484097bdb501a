"""The package is folders of layers, and imports run one way: a module imports its own layer and the
layers below it, never one above, and no two modules import each other however indirectly.

Imports inside functions count: they are how the command line stays quick to start, and a lazy
import up the layers is as much a tangle as one at the top of a file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import ROOT

PACKAGE = ROOT / "ccgrate"

# Each layer and the layers it may import (besides itself). `_read` and `_framework` are peers: a
# dataset knows nothing of frameworks and a framework nothing of files of data.
MAY_IMPORT = {
    "_base": set(),
    "_read": {"_base"},
    "_framework": {"_base"},
    "_scoring": {"_base", "_read", "_framework"},
    "_analysis": {"_base", "_read", "_framework", "_scoring"},
    "_render": {"_base", "_read", "_framework", "_scoring", "_analysis"},
    # The Python API: what `import ccgrate` offers, over the core and its renderers.
    "_api": {"_base", "_read", "_framework", "_scoring", "_analysis", "_render"},
    "_cli": {"_base", "_read", "_framework", "_scoring", "_analysis", "_render", "_api"},
}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """The ccgrate modules a file imports, anywhere in it (`from ccgrate.x import y` counts as
    importing ccgrate.x.y when that is a module, else ccgrate.x)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("ccgrate"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ccgrate"):
            assert node.level == 0, f"{path}: relative import; ccgrate's imports are absolute"
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if name in known else node.module)
    return found


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else None


KNOWN = modules()
GRAPH = {module: imports_of(path, KNOWN) for module, path in KNOWN.items()}


def test_every_module_lives_in_a_layer():
    loose = [m for m in KNOWN if layer(m) is None and m not in ("ccgrate", "ccgrate.__main__")]
    assert not loose, f"modules outside the layer folders: {loose}"


@pytest.mark.parametrize("module", sorted(m for m in KNOWN if layer(m)))
def test_no_module_imports_a_layer_above_its_own(module):
    own = layer(module)
    for imported in GRAPH[module]:
        if imported == "ccgrate":
            continue  # the package root, for __version__
        other = layer(imported)
        assert other is not None, f"{module} imports {imported}, which is in no layer"
        assert other == own or other in MAY_IMPORT[own], (
            f"{module} ({own}) imports {imported} ({other}); {own} may import {sorted(MAY_IMPORT[own])}"
        )


def test_the_package_root_imports_nothing_but_the_api():
    # The root only names the API's public names (imported when first used) and the version.
    assert GRAPH["ccgrate"] == {"ccgrate._api"}
    assert GRAPH["ccgrate.__main__"] == {"ccgrate._cli.entry"}


def test_no_import_cycle():
    """Tarjan's strongly connected components: any of more than one module is a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in GRAPH.get(module, ()):
            if other not in GRAPH or other == "ccgrate":
                continue  # the root is a façade: modules take only __version__ from it
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert not cycles, f"import cycles: {cycles}"
