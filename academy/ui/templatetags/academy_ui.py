"""Template helpers of the interface shell: Bootstrap form widgets and navigation state."""

from __future__ import annotations

import functools

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils import translation
from django.utils.safestring import SafeString

from academy.forms import widget_css_class

register = template.Library()

_CHECK_INPUTS = frozenset({"checkbox", "radio"})


@register.filter
def widget_kind(bound_field: BoundField) -> str:
    """``hidden``, ``check`` (checkbox or radio), ``select`` or ``input``: how to lay it out."""
    widget = bound_field.field.widget
    if widget.is_hidden:
        return "hidden"
    if getattr(widget, "input_type", None) in _CHECK_INPUTS:
        return "check"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "select"
    return "input"


@register.filter
def bs_widget(bound_field: BoundField, mode: str = "") -> SafeString:
    """Render a form field's widget with Bootstrap classes and accessible error links.

    The widget's own attributes (autocomplete, placeholder, inputmode, autofocus) are kept;
    ``mode="floating"`` adds the placeholder a floating label needs.
    """
    widget = bound_field.field.widget
    css = " ".join(filter(None, [widget.attrs.get("class", ""), widget_css_class(widget)]))
    attrs: dict[str, str] = {}
    described_by = []
    if bound_field.errors:
        css += " is-invalid"
        attrs["aria-invalid"] = "true"
        described_by.append(f"{bound_field.auto_id}_errors")
    if bound_field.help_text:
        described_by.append(f"{bound_field.auto_id}_help")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if mode == "floating" and not widget.attrs.get("placeholder"):
        attrs["placeholder"] = str(bound_field.label)
    attrs["class"] = css
    return bound_field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def nav_active(context, url_name: str) -> str:
    """``active`` when the current page is ``url_name`` (for links outside the main menu)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return "active" if match is not None and match.view_name == url_name else ""


@register.simple_tag(takes_context=True)
def translated_path(context, lang_code: str) -> str:
    """The current page's address in ``lang_code``, for the language switcher's ``next``."""
    request = context.get("request")
    if request is None:
        return "/"
    return _translated_path(request.get_full_path(), request.path_info, lang_code,
                            translation.get_language())


@functools.lru_cache(maxsize=4096)
def _translated_path(path: str, path_info: str, lang_code: str, _active: str) -> str:
    """Django's ``set_language`` cannot translate the address itself here: it runs outside
    the language prefixes, where the default language is always active, so "/en/..." would
    not resolve. Unknown pages keep their path with the language prefix swapped.

    Remembered per process: the answer depends only on the address, the active language
    (``_active``, which decides how the address resolves) and the URL configuration, and a
    room of brokers opens the same pages.
    """
    from django.conf import settings
    from django.urls import translate_url
    from django.utils.translation import get_language_from_path

    translated = translate_url(path, lang_code)
    if translated != path:
        return translated
    current = get_language_from_path(path_info)
    if current and path.startswith(f"/{current}/"):
        path = path[len(current) + 1:]
    if lang_code == settings.LANGUAGE_CODE:
        return path
    return f"/{lang_code}{path}"
