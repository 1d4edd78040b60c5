"""What the code records in the audit trail, read from its source.

Every event is written by a call of ``audit_record(action=…)`` or ``AuditEntry(action=…)``.
Reading those calls with ``ast`` finds every action the product records, and the literal
keys of the ``before``/``after`` dicts they pass, without running any of it: a new event
is found the day its call is written.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The project's packages (pyproject's [tool.importlinter] root_packages).
PACKAGES = ("academy", "courses", "exams", "certificates", "talent")
RECORDERS = ("audit_record", "AuditEntry")
# The recorder itself passes its own ``action`` argument on: not an action of its own.
FORWARDERS = ("academy/audit/services.py",)


@dataclass
class Recorded:
    """The actions and field keys found, each with where it was found."""

    actions: dict[str, list[str]] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)


def _strings(node: ast.expr) -> list[str] | None:
    """The strings an expression can be: a literal, or either side of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body), _strings(node.orelse)
        if body is not None and orelse is not None:
            return body + orelse
    return None


def _recorder_calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in RECORDERS:
                yield node


def _dict_keys(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Dict):
        for key in node.keys:
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value


def scan_source(source: str, where: str, found: Recorded) -> None:
    """Add what the calls in ``source`` record to ``found``; an action that is not a
    literal (a variable, a call) goes to ``found.unreadable``."""
    for call in _recorder_calls(ast.parse(source)):
        place = f"{where}:{call.lineno}"
        for keyword in call.keywords:
            if keyword.arg == "action":
                actions = _strings(keyword.value)
                if actions is None and where not in FORWARDERS:
                    found.unreadable.append(place)
                for action in actions or ():
                    found.actions.setdefault(action, []).append(place)
            elif keyword.arg in ("before", "after"):
                for key in _dict_keys(keyword.value):
                    found.keys.setdefault(key, []).append(place)


def recorded() -> Recorded:
    """Everything the project's code records (tests and benchmarks left out)."""
    found = Recorded()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            scan_source(path.read_text(encoding="utf-8"), str(relative), found)
    return found
