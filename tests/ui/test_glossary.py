"""The glossary page: every term in Chinese and English with its meaning in the reader's
language, and the note on why the senior level is a 经理人 while the others are 经纪人."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from academy.ui.glossary import TERMS
from tests.ui.test_translations import HAN, visible_text

pytestmark = pytest.mark.django_db


def _glossary(client, language: str) -> str:
    with translation.override(language):
        url = reverse("glossary")
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_glossary_in_chinese_explains_broker_and_manager(client):
    html = _glossary(client, "zh-hans")
    text = visible_text(html)
    assert '<html lang="zh-CN">' in html and "术语表" in text
    assert "初级、中级称为“技术经纪人”；到高级，国家职业标准把同一职业称为“技术经理人”" in text
    assert 'data-testid="level-words-note"' in html
    for term in TERMS:
        zh, en = term.both()
        assert zh in text and en in text, en
        with translation.override("zh-hans"):
            meaning = str(term.meaning)
        assert HAN.search(meaning) and meaning in text, meaning
    assert "技术经纪人" in text and "技术经理人" in text


def test_the_glossary_in_english_keeps_the_chinese_terms(client):
    html = _glossary(client, "en")
    text = visible_text(html)
    assert '<html lang="en">' in html and "Glossary" in text
    assert ("at senior level the national framework calls the same profession a technology "
            "manager (技术经理人)") in text
    for term in TERMS:
        zh, en = term.both()
        assert zh in text and en in text, en
        with translation.override("en"):
            assert str(term.meaning) in text
    assert "术语表" not in text


def test_every_page_links_to_the_glossary(client, broker):
    client.force_login(broker)
    with translation.override("zh-hans"):
        home, glossary = reverse("home"), reverse("glossary")
    assert f'href="{glossary}"' in client.get(home).content.decode()
