"""Chinese names in pinyin: the order of lists of people and the initials people search by.

A list of people sorted by code point puts 王 before 李 for no reason a reader knows; the
bureau expects 拼音 order (李 before 王). Each account stores its name's full pinyin (for the
order, indexed) and its initials (王芳 → ``wf``, for the search box), computed whenever the
name is saved. Latin letters in a name are kept as they are, lower-cased.
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def name_pinyin(name: str) -> tuple[str, str]:
    """``name`` as (full pinyin, initials), both lower-case without spaces."""
    name = (name or "").strip()
    if not name:
        return "", ""
    # Characters without a pinyin reading (Latin letters, digits) are kept as words.
    syllables = lazy_pinyin(name, errors=lambda chars: chars.split())
    full = "".join(syllables).lower()
    initials = "".join(s[:1] for s in lazy_pinyin(name, style=Style.FIRST_LETTER,
                                                   errors=lambda chars: chars.split())).lower()
    return full[:200], initials[:50]
