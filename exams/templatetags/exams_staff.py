"""Small filters for the trainers' and admins' exam pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from ..services import fillin_blanks

register = template.Library()


@register.filter
def exams_blanks(key: Any) -> list[list[str]]:
    """A fill-in answer key as one list of accepted answers per blank."""
    return fillin_blanks(key)


@register.filter
def exams_percent(part: Any, whole: Any) -> int:
    """``part`` as a whole percentage of ``whole`` (0 when ``whole`` is 0 or missing)."""
    try:
        part_d, whole_d = Decimal(str(part or 0)), Decimal(str(whole or 0))
    except ArithmeticError:
        return 0
    if whole_d <= 0:
        return 0
    return int(min(Decimal(100), part_d * 100 / whole_d).to_integral_value())


@register.filter
def exams_get(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template (None when missing)."""
    try:
        return mapping.get(key) if hasattr(mapping, "get") else mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def exams_answer_text(value: Any) -> str:
    """An answer value as plain text for the grading page."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("text", "")) if "text" in value else ""
    return str(value)
