"""The domain's words, once, in both languages: the glossary page and the notes that explain
a term where it appears.

Each term is a translatable string whose Chinese translation is the word the national
framework uses; the .po file holds it once, so every page that shows the term shows the same
word. The levels themselves are rows an administrator edits (``people.Level``, Chinese and
English names); their shared explanation is ``LEVEL_WORDS_NOTE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Term:
    term: Promise
    meaning: Promise

    def both(self) -> tuple[str, str]:
        """The term in Chinese and in English, whatever the reader's language."""
        with translation.override("zh-hans"):
            zh = str(self.term)
        with translation.override("en"):
            en = str(self.term)
        return zh, en


# Why the senior level is called 经理人 while the others are 经纪人: shown wherever the levels
# are listed together.
LEVEL_WORDS_NOTE = _(
    "Junior and intermediate holders are technology brokers (技术经纪人); at senior level the "
    "national framework calls the same profession a technology manager (技术经理人), who "
    "also leads transfer projects and teams.")

TERMS: tuple[Term, ...] = (
    Term(_("Technology broker"), _(
        "A professional who brings together the owners and the users of a technology and "
        "helps them to a contract: the people this academy trains (junior and intermediate "
        "level).")),
    Term(_("Technology manager"), _(
        "The senior level of the same profession in the national framework: a broker who "
        "also manages technology-transfer projects and teams.")),
    Term(_("Junior technology broker"), _(
        "The first level, reached by training and the junior exam.")),
    Term(_("Intermediate technology broker"), _(
        "The second level: class hours, the intermediate exam, approved practice records and "
        "time at the junior level.")),
    Term(_("Senior technology manager"), _(
        "The third level, for experienced intermediate brokers.")),
    Term(_("Class hours"), _(
        "The credit for study: each lesson and offline session is worth a number of class "
        "hours, credited when the system observed the study.")),
    Term(_("Cohort"), _(
        "A training batch: brokers who follow one programme together, with dates, deadlines "
        "and trainers.")),
    Term(_("Programme"), _(
        "The courses that lead from one level to the next, required and elective.")),
    Term(_("Offline session"), _(
        "A class in a room; attendance is recorded by the trainer or by scanning the "
        "session's QR code.")),
    Term(_("Sitting"), _(
        "One exam at a time: a paper, a window in which to take it, a duration and a pass "
        "mark.")),
    Term(_("Practice record"), _(
        "A technology deal the broker helped to close, with its registered contract, for the "
        "bureau to review.")),
    Term(_("Technology contract registration"), _(
        "The official registration of a technology contract; its registration number proves "
        "the deal.")),
    Term(_("Certified technical income"), _(
        "The part of a registered contract's amount certified as income from technology.")),
    Term(_("Torch Centre"), _(
        "The Torch High Technology Industry Development Center of the Ministry of Science and "
        "Technology, which keeps the national register of certified brokers.")),
    Term(_("Unified number"), _(
        "The number the Torch Centre gives a certificate in the national register, beside "
        "the academy's own serial number.")),
)
