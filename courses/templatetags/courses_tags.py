from decimal import Decimal

from django import template

from courses.rendering.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    return render_markdown(text)


@register.filter
def hours(value) -> str:
    """Class hours without trailing zeros: 2.50 → 2.5, 4.00 → 4."""
    if value is None or value == "":
        return "0"
    d = Decimal(value).quantize(Decimal("0.01"))
    text = f"{d:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def minutes(seconds) -> str:
    """Seconds as minutes with one decimal, as the cohort page's averages: 750 → 12.5."""
    return f"{(Decimal(seconds or 0) / 60).quantize(Decimal('0.1')):f}"


@register.filter
def study_of(study, lesson_id):
    """The broker's ``LessonStudy`` of ``lesson_id`` from a ``{lesson_id: LessonStudy}``."""
    return study.get(lesson_id) if study else None
