"""``{% level_words_note %}``: the one-line explanation of 经纪人 and 经理人 wherever the
levels are listed together (academy/ui/glossary.py)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def level_words_note() -> str:
    from ..glossary import LEVEL_WORDS_NOTE

    return format_html('<p class="small text-body-secondary mb-0" data-testid="level-words-note">'
                       '{} <a href="{}">{}</a></p>', LEVEL_WORDS_NOTE, reverse("glossary"),
                       _("Glossary"))
