"""The Simplified Chinese catalogue: complete, compiled, faithful to its placeholders, and used.

Chinese is the default language and English lives under /en/. A fresh machine has no gettext
tools, so the compiled django.mo is committed next to django.po; these tests fail when the two
drift apart (a stale .mo), when an entry is left untranslated or fuzzy, when a translation
loses a placeholder, or when a page still shows an English sentence from our own catalogue.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.factories import BrokerFactory, UserFactory

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# %(name)s, %(count)d, %s, %d ("%%" is removed first), and {name} / {} of str.format.
PYTHON_PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[sdif]")
BRACE_PLACEHOLDER = re.compile(r"\{\w*\}")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _entries() -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(PO_PATH)) if not entry.obsolete]


def _placeholders(text: str) -> set[str]:
    text = text.replace("%%", "")
    return set(PYTHON_PLACEHOLDER.findall(text)) | set(BRACE_PLACEHOLDER.findall(text))


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _label(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


# --- The catalogue ---------------------------------------------------------------------------


def test_chinese_is_the_default_language_and_reads_our_catalogue():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert Path(settings.LOCALE_PATHS[0]).resolve() == PO_PATH.parents[2].resolve()


def test_catalogue_declares_one_plural_form_and_is_not_fuzzy():
    po = polib.pofile(str(PO_PATH))
    assert not po.metadata_is_fuzzy
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = _entries()
    assert len(entries) > 1000
    untranslated = [_label(e) for e in entries if not all(_translations(e))]
    fuzzy = [_label(e) for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated entries: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy entries: {fuzzy[:20]}"


def test_plural_entries_have_exactly_one_chinese_form():
    plural = [e for e in _entries() if e.msgid_plural]
    assert plural
    wrong = [_label(e) for e in plural if sorted(e.msgstr_plural) != [0]]
    assert not wrong, f"plural entries need exactly msgstr[0]: {wrong[:20]}"


def test_translations_keep_the_placeholders_of_the_source():
    problems = []
    for entry in _entries():
        expected = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural or "")
        for translated in _translations(entry):
            if _placeholders(translated) != expected:
                problems.append((_label(entry), sorted(expected), translated))
            # In python-format and template strings "%%" is a literal percent sign.
            if entry.msgid.count("%%") != translated.count("%%"):
                problems.append((_label(entry), "%%", translated))
    assert not problems, problems[:20]


def test_compiled_catalogue_matches_the_po_file():
    """A .mo compiled before the last change to the .po (a stale .mo) fails here."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = compiled._catalog  # msgid (with "ctxt\x04" prefix) -> msgstr; plurals by (msgid, n)
    stale = []
    for entry in _entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            if catalog.get((key, 0)) != entry.msgstr_plural[0]:
                stale.append(_label(entry))
        elif catalog.get(key) != entry.msgstr:
            stale.append(_label(entry))
    assert not stale, f"{len(stale)} entries differ in django.mo; run bin/messages --compile: {stale[:10]}"
    assert compiled.plural(1) == compiled.plural(5) == 0


@pytest.mark.skipif(shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
                    reason="GNU gettext is not installed (the committed catalogue is used as is)")
def test_every_translatable_string_of_the_code_is_in_the_catalogue(tmp_path):
    """Extract the strings again from a scratch copy of the project: none may lack a translation.

    makemessages writes into the ``locale`` directory of the tree it walks (and puts temporary
    files next to the templates), so it runs on a copy and never touches the work tree.
    """
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    shutil.copytree(base, copy, ignore=shutil.ignore_patterns(
        ".*", "__pycache__", "*.pyc", "var", "bench", "tests", "node_modules", "staticfiles",
        "build", "test-results", "*.egg-info", "*.mo"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "academy.settings.test",
           "PYTHONPATH": str(copy)}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy, env=env, check=True, capture_output=True, timeout=300,
    )
    extracted = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert len(extracted) >= len(_entries()) * 0.9  # the copy was really extracted
    missing = sorted(_label(e) for e in extracted
                     if not e.obsolete and (not all(_translations(e)) or "fuzzy" in e.flags))
    assert not missing, (
        f"{len(missing)} strings in the code have no Chinese translation; run bin/messages and "
        f"translate them in locale/zh_Hans/LC_MESSAGES/django.po: {missing[:20]}"
    )


# --- Pages ------------------------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """Text a person reads: text nodes (not script/style) and human-facing attributes."""

    ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value and (name in self.ATTRIBUTES or name.startswith("data-")):
                self.parts.append(value)
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def _english_sentences() -> list[str]:
    """Source strings of three words or more, without placeholders, translated differently."""
    return [e.msgid for e in _entries()
            if not e.msgid_plural and len(e.msgid.split()) >= 3 and not _placeholders(e.msgid)
            and "%%" not in e.msgid and e.msgstr and e.msgstr != e.msgid]


def _chinese_sentences() -> list[str]:
    """Whole translated sentences (they end with a full stop) that no data would contain."""
    return [e.msgstr for e in _entries()
            if not e.msgid_plural and e.msgstr.endswith("。") and len(e.msgstr) >= 8
            and not _placeholders(e.msgid) and "%%" not in e.msgid]


def _admin_with_totp(mfa_enrolled):
    user = UserFactory(roles=["admin"])
    mfa_enrolled(user)
    return user


# Each page: who sees it, its path (Chinese, without prefix), and strings we know it shows.
PAGES = {
    "login": (None, "/accounts/login/", [
        "Training and certification of technology brokers",
        "Accounts are created by the bureau. If you received an invitation e-mail, follow its "
        "link to set your password.",
    ]),
    "broker home": ("broker", "/", ["Current level", "What comes next", "My programme"]),
    "broker list (admin)": ("admin", "/talent/brokers/", [
        "Brokers in the talent pool",
        "All levels",
        "Apply filters",
    ]),

}


def _open(client, page: str, mfa_enrolled, prefix: str = "") -> str:
    role, path, _known = PAGES[page]
    if role == "broker":
        client.force_login(BrokerFactory())
    elif role == "admin":
        BrokerFactory()  # a row in the list, so that the table and its note show
        client.force_login(_admin_with_totp(mfa_enrolled))
    response = client.get(prefix + path)
    assert response.status_code == 200, (page, response.status_code)
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_are_in_chinese_without_english_left_from_our_catalogue(client, page, mfa_enrolled):
    html = _open(client, page, mfa_enrolled)
    text = visible_text(html)
    assert '<html lang="zh-CN">' in html
    assert len(HAN.findall(text)) > 20, text[:300]
    with translation.override("zh-hans"):
        for msgid in PAGES[page][2]:
            assert translation.gettext(msgid) != msgid, msgid
            assert translation.gettext(msgid) in text, msgid
    left = [sentence for sentence in _english_sentences() if sentence in text]
    assert not left, f"English left on the Chinese page {page}: {left}"


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_under_the_en_prefix_are_in_english(client, page, mfa_enrolled):
    html = _open(client, page, mfa_enrolled, prefix="/en")
    text = visible_text(html)
    assert '<html lang="en">' in html
    for msgid in PAGES[page][2]:
        assert msgid in text, msgid
    left = [sentence for sentence in _chinese_sentences() if sentence in text]
    assert not left, f"Chinese left on the English page {page}: {left}"


@pytest.mark.django_db
def test_english_urls_reverse_under_the_prefix():
    with translation.override("en"):
        assert reverse("people:broker_list") == "/en/people/brokers/"
    with translation.override("zh-hans"):
        assert reverse("people:broker_list") == "/people/brokers/"


@pytest.mark.django_db
def test_the_django_admin_in_chinese_names_every_app_and_model_in_chinese(client, mfa_enrolled):
    superuser = UserFactory(roles=["admin"], is_superuser=True, is_staff=True)
    mfa_enrolled(superuser)
    client.force_login(superuser)
    with translation.override("zh-hans"):
        response = client.get(reverse("admin:index"))
    names = {app["name"]: [model["name"] for model in app["models"]]
             for app in response.context["app_list"]}
    assert len(names) >= 10  # every app, third-party ones included
    english = [name for app, models in names.items() for name in [app, *models]
               if not HAN.search(str(name))]
    assert english == []
    assert names["多因素认证"] == ["身份验证器"]  # allauth's Authenticator, unnamed upstream
    assert "Authenticator" not in visible_text(response.content.decode())
    with translation.override("en"):
        english_index = client.get(reverse("admin:index"))
    assert "Authenticators" in visible_text(english_index.content.decode())
