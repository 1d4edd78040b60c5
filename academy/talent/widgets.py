"""Form widgets of the talent pool pages."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class QuickSelect(forms.Select):
    """A ``<select>`` rendered in one pass instead of one template per option.

    The filters list every organisation and cohort: thousands of options at a province's
    scale, where Django's per-option templates took most of a second per page
    (bench/dashboard.py). Same markup, same escaping.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((option["value"], mark_safe(" selected") if option["selected"] else "",
              option["label"])
             for _group, group_options, _index in widget["optgroups"]
             for option in group_options),
        )
        return format_html('<select name="{}"{}>{}</select>', widget["name"],
                           flatatt(widget["attrs"]), options)
