"""Fail when a function of the project is longer than 100 lines (``make lint``).

    python -m tools.long_functions [--max 100] [paths…]

Long functions are split into steps with names; the PDF layouts into small drawing steps.
Migrations, tests and benchmarks are not checked.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("academy", "courses", "exams", "certificates", "talent", "tools")


def long_functions(paths: list[Path], limit: int) -> list[str]:
    """``path:line name (N lines)`` for every function over ``limit`` lines under ``paths``."""
    found = []
    for root in paths:
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > limit:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} "
                                     f"({length} lines)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=100, help="the longest a function may be")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = [path.resolve() for path in args.paths] or [
        ROOT / name for name in PACKAGES if (ROOT / name).exists()]
    found = long_functions(paths, args.max)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} function(s) over {args.max} lines: split them into named steps",
              file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
