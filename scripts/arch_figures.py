"""Figures for the architecture note: module and function sizes, function-level imports, and
import cycles between apps (function-level imports counted).

    .venv/bin/python scripts/arch_figures.py            # a short table
    .venv/bin/python scripts/arch_figures.py --edges    # and every app-to-app import

Migrations are left out: Django writes them, and they name other apps' models by design.
"""

from __future__ import annotations

import argparse
import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "shegong"


def sources():
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "shegong" or len(parts) < 2:
        return None
    return parts[1] if (ROOT / parts[1]).is_dir() else None


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(tree: ast.AST, module: str):
    """Yield (imported module, is_function_level) for every import in a module."""
    package = module if module.endswith("__init__") else module.rsplit(".", 1)[0]

    def visit(node, nested):
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, nested
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                yield target, nested
                for alias in child.names:  # `from shegong import work`
                    yield f"{target}.{alias.name}", nested
            yield from visit(child, inner)

    yield from visit(tree, False)


def function_level_imports(tree: ast.AST) -> list[ast.stmt]:
    """Import statements inside a function body (each counted once)."""
    found = []

    def visit(node, nested):
        for child in ast.iter_child_nodes(node):
            if nested and isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child, nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(tree, False)
    return found


def scc(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            out.append(comp)

    for v in list(graph):
        if v not in index:
            strong(v)
    return out


def figures():
    longest_module = (0, "")
    longest_function = (0, "")
    nested_imports = 0
    nested_cross = 0
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sources():
        text = path.read_text()
        tree = ast.parse(text)
        module = module_name(path)
        lines = len(text.splitlines())
        longest_module = max(longest_module, (lines, module))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                longest_function = max(longest_function, (length, f"{module}.{node.name}"))
        src = app_of(module)
        for target, nested in imports(tree, module):
            dst = app_of(target)
            if src and dst and src != dst:
                where = f"{module} -> {target}{' (in a function)' if nested else ''}"
                if where not in edges[(src, dst)]:
                    edges[(src, dst)].append(where)
        nested = function_level_imports(tree)
        nested_imports += len(nested)
        for node in nested:
            target = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            if isinstance(node, ast.ImportFrom) and node.level:
                target = module  # a relative import stays inside its app
            dst = app_of(target or "")
            nested_cross += bool(src and dst and dst != src)
    graph: dict[str, set[str]] = defaultdict(set)
    for src, dst in edges:
        graph[src].add(dst)
        graph.setdefault(dst, set())
    cycles = [c for c in scc(graph) if len(c) > 1]
    return {
        "longest_module": longest_module,
        "longest_function": longest_function,
        "function_level_imports": nested_imports,
        "function_level_cross_app": nested_cross,
        "largest_cycle": max(cycles, key=len) if cycles else set(),
        "edges": edges,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edges", action="store_true")
    args = parser.parse_args()
    f = figures()
    print(f"longest module:         {f['longest_module'][1]} ({f['longest_module'][0]} lines)")
    print(f"longest function:       {f['longest_function'][1]} ({f['longest_function'][0]} lines)")
    print(
        f"function-level imports: {f['function_level_imports']}"
        f" ({f['function_level_cross_app']} of another app's module)"
    )
    cycle = sorted(f["largest_cycle"])
    print(f"largest import cycle:   {len(cycle)} apps {cycle}")
    if args.edges:
        for (src, dst), where in sorted(f["edges"].items()):
            print(f"{src} -> {dst}: {len(where)}")
            for line in where:
                print(f"    {line}")


if __name__ == "__main__":
    main()
