#!/usr/bin/env python3
"""Fails when two files import each other, directly or through others.

Python: the emulator's modules (emulator/extension, emulator/tests), by their
``import`` / ``from … import`` statements (relative ones included). Rust: the
crate's modules (src/), by every ``crate::…``, ``super::…`` and ``self::…``
path, resolved to the longest path that is a module file. A module's own
sub-modules (``mod x;``) are declarations, not imports.
Prints each cycle found, and exits 1 if there is any.
"""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def python_graph() -> dict[str, set[str]]:
    base = ROOT / "emulator"
    files = list((base / "extension").rglob("*.py")) + list((base / "tests").glob("*.py"))
    names = {}
    for path in files:
        rel = path.relative_to(base / "tests" if path.parent.name == "tests" else base)
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name, path in names.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join(anchor + ([module] if module else []))
                targets = [f"{module}.{alias.name}" for alias in node.names] + [module]
            for target in targets:
                while target and target not in names:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
                    break
    return graph


def rust_graph() -> dict[str, set[str]]:
    src = ROOT / "src"
    modules = {}
    for path in src.rglob("*.rs"):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] in ("mod", "main", "lib"):
            parts = parts[:-1]
        modules["::".join(parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    path_re = re.compile(r"\b(crate|super|self)((?:::\w+)+)")
    for name, path in modules.items():
        own = name.split("::") if name else []
        text = re.sub(r"//[^\n]*", "", path.read_text())
        kids = re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text, re.M)
        for kid in kids:  # a child named bare (`kid::item`, `use kid::Item`) is used
            if re.search(rf"(?<![\w:]){kid}::", text) and "::".join(own + [kid]) in modules:
                graph[name].add("::".join(own + [kid]))
        for head, tail in path_re.findall(text):
            segments = tail.strip(":").split("::")
            if head == "crate":
                start = []
            elif head == "self":
                start = own  # this module
            else:
                start = own[:-1]
            full = start + segments
            while full and "::".join(full) not in modules:
                full = full[:-1]
            target = "::".join(full)
            if target != name and target in modules and target:
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def main() -> int:
    sys.setrecursionlimit(10000)
    bad = 0
    for kind, graph in (("python", python_graph()), ("rust", rust_graph())):
        for cycle in cycles(graph):
            bad += 1
            print(f"check-imports: {kind} import cycle: {' -> '.join(cycle)}", file=sys.stderr)
    if bad:
        return 1
    print("check-imports: no import cycles (emulator/ and src/)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
