"""The one Bootstrap 5 form helper of every app's forms (and of the shell's form templates).

Inputs get ``form-control``, selects ``form-select``, checkboxes and radio buttons
``form-check-input``; a field with errors gets ``is-invalid`` too, so Bootstrap shows its
message under it. A form with ``bootstrap_size = "sm"`` gets the small variants (filter bars).
"""

from __future__ import annotations

from typing import Any

from django import forms

_CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)
_BOOTSTRAP_CLASSES = frozenset({"form-control", "form-select", "form-check-input"})


def widget_css_class(widget: forms.Widget, *, size: str = "") -> str:
    """The Bootstrap class of ``widget`` (with the ``form-control-sm`` kind of variant when a
    ``size`` is given)."""
    if isinstance(widget, _CHECK_WIDGETS) or getattr(widget, "input_type", None) in {
            "checkbox", "radio"}:
        return "form-check-input"
    css = "form-select" if isinstance(widget, forms.Select | forms.SelectMultiple) \
        else "form-control"
    return f"{css} {css}-{size}" if size else css


def _add_class(widget: forms.Widget, css: str) -> None:
    widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class BootstrapFormMixin:
    """Bootstrap classes on every widget of the form, and ``is-invalid`` on fields with errors.

    A widget that already carries one of Bootstrap's form classes is left as it is. Forms that
    add fields in ``__init__`` call ``bootstrap_widgets()`` again afterwards.
    """

    bootstrap_size = ""
    fields: dict[str, forms.Field]
    errors: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bootstrap_widgets()

    def bootstrap_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if _BOOTSTRAP_CLASSES.intersection(widget.attrs.get("class", "").split()):
                continue
            _add_class(widget, widget_css_class(widget, size=self.bootstrap_size))

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:
            if name in self.fields and "is-invalid" not in self.fields[name].widget.attrs.get(
                    "class", "").split():
                _add_class(self.fields[name].widget, "is-invalid")
