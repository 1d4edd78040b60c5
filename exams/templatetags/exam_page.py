"""The questions of the exam page, written in Python.

The exam page is the one page every examinee loads at the same minute (after starting, and at
each reload), and its thirty-odd questions with their options made the template engine its
largest cost: some 1,200 variable lookups a page. ``{% exam_questions questions %}`` writes the
same markup with f-strings; every text (options, labels, saved answers) goes through
``html.escape``, the function Django's own ``escape`` applies, the stem through
``question_text_html`` (escaped, with its images in place), and ids are integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..api.payload import ItemView
from ..selectors import question_text_html

register = template.Library()

CHECKED = " checked"


def _choices(q: ItemView, *, kind: str) -> Iterator[str]:
    chosen = set(q.chosen) if kind == "checkbox" else {str(q.value)}
    for n, opt in enumerate(q.options, start=1):
        key = str(opt["key"])
        yield (
            f'<div class="form-check"><input class="form-check-input" type="{kind}" '
            f'name="q{q.id}" id="q{q.id}-{n}" value="{escape(key)}"'
            f'{CHECKED if key in chosen else ""}><label class="form-check-label" '
            f'for="q{q.id}-{n}"><span class="fw-semibold">{escape(str(opt["label"]))}.</span> '
            f'{escape(str(opt["text"]))}</label></div>')


def _true_false(q: ItemView) -> Iterator[str]:
    for value, label, checked in (("true", _("True"), q.value is True),
                                  ("false", _("False"), q.value is False)):
        yield (
            f'<div class="form-check form-check-inline"><input class="form-check-input" '
            f'type="radio" name="q{q.id}" id="q{q.id}-{value}" value="{value}"'
            f'{CHECKED if checked else ""}><label class="form-check-label" '
            f'for="q{q.id}-{value}">{escape(label)}</label></div>')


def _blanks(q: ItemView) -> Iterator[str]:
    for n, blank in enumerate(q.blank_values, start=1):
        label = escape(_("Blank %(n)s") % {"n": n})
        yield (
            f'<div class="mb-2"><label class="form-label small" for="q{q.id}-b{n}">{label}'
            f'</label><input class="form-control" type="text" id="q{q.id}-b{n}" '
            f'name="q{q.id}-b{n}" value="{escape(blank)}" maxlength="500" autocomplete="off" '
            f'spellcheck="false"></div>')


def _text(q: ItemView, max_length: int) -> Iterator[str]:
    rows = 10 if q.type == "case" else 5
    value = "" if q.value is None else escape(str(q.value))
    yield (
        f'<label class="visually-hidden" for="q{q.id}-text">{escape(_("Your answer"))}</label>'
        f'<textarea class="form-control" id="q{q.id}-text" name="q{q.id}" rows="{rows}" '
        f'maxlength="{int(max_length)}" aria-describedby="q-{q.id}-stem">{value}</textarea>')


def _answer(q: ItemView, max_length: int) -> Iterable[str]:
    if q.type == "single":
        return _choices(q, kind="radio")
    if q.type == "multiple":
        hint = escape(_("Choose every correct option."))
        return [f'<p class="small text-body-secondary mb-1">{hint}</p>',
                *_choices(q, kind="checkbox")]
    if q.type == "truefalse":
        return _true_false(q)
    if q.type == "fillin":
        return _blanks(q)
    return _text(q, max_length)


def _stem(q: ItemView) -> str:
    """The stem escaped, with its images in place (``question_text_html``)."""
    return question_text_html(q.stem, q.images) if q.images else escape(q.stem)


def _question(q: ItemView, max_length: int) -> str:
    points = escape(_("(%(points)s points)") % {"points": q.points_display})
    return (
        f'<fieldset class="card exam-question mb-3" id="q-{q.id}" data-item-id="{q.id}" '
        f'data-type="{escape(q.type)}" data-client-ts="{int(q.client_ts or 0)}">'
        f'<div class="d-flex justify-content-between align-items-start gap-2">'
        f'<legend class="mb-2">{q.position}. <span class="badge text-bg-light border '
        f'fw-normal">{escape(q.type_label)}</span> <span class="small text-body-secondary '
        f'fw-normal">{points}</span></legend><span class="save-state" data-save-state="idle" '
        f'aria-live="polite"></span></div>'
        f'<div class="exam-stem" id="q-{q.id}-stem">{_stem(q)}</div>'
        f'{"".join(_answer(q, max_length))}</fieldset>')


@register.simple_tag
def exam_questions(questions: list[Any], text_max_length: int) -> SafeString:
    """Every question of the attempt as a fieldset of inputs named ``q<item id>``."""
    html = "\n".join(_question(q, text_max_length) for q in questions)
    return mark_safe(html)  # noqa: S308 - every text in it went through html.escape
