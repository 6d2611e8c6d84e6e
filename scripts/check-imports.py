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
    use_re = re.compile(r"\buse\s+((?:crate|super|self)\b[^;]*);", re.S)
    for name, path in modules.items():
        own = name.split("::") if name else []
        text = re.sub(r"//[^\n]*", "", path.read_text())
        kids = re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text, re.M)
        for kid in kids:  # a child named bare (`kid::item`, `use kid::Item`) is used
            if re.search(rf"(?<![\w:]){kid}::", text) and "::".join(own + [kid]) in modules:
                graph[name].add("::".join(own + [kid]))
        paths = [head + tail for head, tail in path_re.findall(text)]
        for tree in use_re.findall(text):
            paths += expand(re.sub(r"\s+", "", tree))
        for used in paths:
            segments = [s for s in used.split("::") if s and s != "*"]
            head, segments = segments[0], segments[1:]
            start = [] if head == "crate" else own if head == "self" else own[:-1]
            full = start + segments
            while full and "::".join(full) not in modules:
                full = full[:-1]
            target = "::".join(full)
            if target and target != name:
                graph[name].add(target)
    return graph


def expand(tree: str) -> list[str]:
    """The paths of a `use` tree: `a::{b, c::{d, e}}` -> a::b, a::c::d, a::c::e."""
    if "{" not in tree:
        return [tree.split(" as ")[0]]
    prefix, _, rest = tree.partition("{")
    inner = rest[: rest.rindex("}")]
    parts, depth, current = [], 0, ""
    for char in inner:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += char == "{"
        depth -= char == "}"
        current += char
    parts.append(current)
    found = []
    for part in filter(None, parts):
        found += [prefix + p if p != "self" else prefix.rstrip(":") for p in expand(part)]
    return found


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
