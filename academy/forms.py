"""The one Bootstrap 5 form helper of every app's forms (and of the shell's form templates).

Inputs get ``form-control``, selects ``form-select``, checkboxes and radio buttons
``form-check-input``; a field with errors gets ``is-invalid`` too, so Bootstrap shows its
message under it. A form with ``bootstrap_size = "sm"`` gets the small variants (filter bars).

``BrokerSearchInput`` is the input of every field where a broker is picked by what one knows of
them: static/academy/js/academy.js fills its suggestions from the people search.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

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


class BrokerSearchInput(forms.TextInput):
    """A text input that suggests brokers as one types a name, pinyin initials, an e-mail
    address or a phone or ID tail (``data-person-search``: the people search, brokers only,
    among those the viewer may see). Choosing a suggestion puts its e-mail address in the
    field; the form resolves what is typed with ``people``'s ``broker_pick``."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({
            "autocomplete": "off",
            "data-person-search": format_lazy("{}?brokers=1",
                                              reverse_lazy("people:person_search")),
            "placeholder": _("e.g. 王芳, wf, 1234"),
            **(attrs or {}),
        })


# The help of every field where one broker is picked with ``BrokerSearchInput``.
BROKER_SEARCH_HELP = _("Type a name, pinyin initials (e.g. wf), an e-mail address or the last "
                       "digits of the phone or ID number, and choose from the suggestions.")
# The help of every list of brokers (a textarea, where suggestions cannot be shown).
BROKER_LIST_HELP = _("One broker a line: an e-mail address, a name, pinyin initials or the "
                     "last digits of the phone or ID number. Entries that match nobody or "
                     "several people are shown here to be corrected; nothing is guessed.")
