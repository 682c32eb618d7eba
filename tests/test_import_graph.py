"""The package's shape: no import cycles and no module over 600 lines.

A cycle hidden behind a function-local import is still a cycle (the two modules cannot be
understood or moved apart), so imports are read from the source with `ast`, at any depth, rather
than from `sys.modules` after importing. Migrations are generated files and are left out.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "marketplace"
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.relative_to(PACKAGE).parts
    }


def _imported(name: str, path: Path, modules: set[str]) -> set[str]:
    """The package modules one module imports (relative imports resolved, `from pkg import mod` seen as pkg.mod)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            # `import marketplace.a.b` imports marketplace.a.b; keep the longest known module.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    sources = _sources()
    modules = set(sources)
    return {name: _imported(name, path, modules) for name, path in sources.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a deep chain of imports cannot hit the recursion limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(found)


def test_the_graph_reader_sees_local_relative_and_from_imports(tmp_path, monkeypatch):
    package = tmp_path / "marketplace"
    (package / "feature").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "feature" / "__init__.py").write_text("")
    (package / "feature" / "a.py").write_text("def f():\n    from marketplace.feature import b\n")
    (package / "feature" / "b.py").write_text("from .c import thing\n")
    (package / "feature" / "c.py").write_text("from marketplace.feature.a import f\nthing = f\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "PACKAGE", package)
    graph = import_graph()
    assert graph["marketplace.feature.a"] == {"marketplace.feature.b"}
    assert graph["marketplace.feature.b"] == {"marketplace.feature.c"}
    assert cycles(graph) == [["marketplace.feature.a", "marketplace.feature.b", "marketplace.feature.c"]]


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_module_over_600_lines():
    long = {
        name: n
        for name, path in _sources().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"
