"""Form widgets of the talent pool pages."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html


class SuggestInput(forms.TextInput):
    """A text input with a ``<datalist>`` that talent.js fills from ``suggest_url`` (JSON
    ``{"results": [{"id", "name"}]}``) as the user types, scoped to the form's region.

    Replaces a ``<select>`` of every organisation (1,800 options, a third of the dashboard's
    bytes at 100,000 brokers). Without JavaScript the user types the name; the field accepts
    a name or an id.
    """

    def __init__(self, *, suggest_url: str, attrs=None):
        super().__init__(attrs)
        self.suggest_url = suggest_url

    def render(self, name, value, attrs=None, renderer=None):
        from django.urls import reverse

        final_attrs = self.build_attrs(self.attrs, attrs)
        list_id = f"{final_attrs.get('id') or name}-options"
        final_attrs.update({"list": list_id, "autocomplete": "off",
                            "data-suggest-url": reverse(self.suggest_url)})
        value = self.format_value(value)
        if value is not None:
            final_attrs["value"] = value
        return format_html('<input type="text" name="{}"{}><datalist id="{}"></datalist>',
                           name, flatatt(final_attrs), list_id)
