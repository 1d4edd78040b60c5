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
