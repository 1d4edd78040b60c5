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
