"""Form widgets of the talent pool pages."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class QuickSelect(forms.Select):
    """A ``<select>`` of flat choices rendered in one pass instead of one template per option.

    The filters list every organisation and cohort: thousands of options at a province's
    scale, where Django's per-option dictionaries and templates took most of a second per
    page (bench/dashboard.py). Same markup and escaping as ``forms.Select``; choices with
    groups are left to it.
    """

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(iter(self.choices))  # (not len(): a ModelChoiceIterator counts)
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        wanted = set(self.format_value(value))
        selected_one = False

        def options():
            nonlocal selected_one
            for option_value, label in choices:
                option_value = "" if option_value is None else str(option_value)
                selected = not selected_one and option_value in wanted
                selected_one = selected_one or selected
                yield option_value, mark_safe(" selected") if selected else "", label

        final_attrs = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final_attrs),
                           format_html_join("", '<option value="{}"{}>{}</option>', options()))


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
