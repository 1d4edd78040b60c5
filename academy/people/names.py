"""Chinese names in pinyin: the order of lists of people and the initials people search by.

A list of people sorted by code point puts 王 before 李 for no reason a reader knows; the
bureau expects 拼音 order (李 before 王). Each account stores its name's full pinyin (for the
order, indexed) and its initials (王芳 → ``wf``, for the search box), computed whenever the
name is saved. Latin letters in a name are kept as they are, lower-cased.

Names are read character by character: pypinyin's phrase dictionary (44 MB in every process
that imports it) only helps words, so the settings turn it off (``PYPINYIN_NO_PHRASES``), and
pypinyin is imported on the first name computed, not by every process that loads the app.
Read alone, a character gets its most common reading, which for some surnames is not the
surname's: 曾 is ceng in 曾经 but zeng as a surname, 单 dan but shan. ``SURNAME_READINGS``
gives those surnames their reading at the start of a name, the compound ones (尉迟 yuchi, not
wei + chi) before the single characters they begin with.
"""

from __future__ import annotations

# Surnames read otherwise than their characters usually are, as syllables. Compound surnames
# come first: they are tried before the single characters they begin with.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "单于": ("chan", "yu"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
    "中行": ("zhong", "hang"),
    "乐正": ("yue", "zheng"),
    "曾": ("zeng",),
    "单": ("shan",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "朴": ("piao",),
    "查": ("zha",),
    "乐": ("yue",),
    "盖": ("ge",),
    "缪": ("miao",),
    "翟": ("zhai",),
    "覃": ("qin",),
    "召": ("shao",),
    "种": ("chong",),
    "重": ("chong",),
    "秘": ("bi",),
    "繁": ("po",),
    "员": ("yun",),
    "折": ("she",),
    "句": ("gou",),
    "阚": ("kan",),
    "隗": ("wei",),
    "薄": ("bo",),
    "祭": ("zhai",),
    "宓": ("fu",),
    "都": ("du",),
    "能": ("nai",),
}


def surname_split(name: str) -> tuple[tuple[str, ...], str]:
    """The surname reading ``name`` starts with (from ``SURNAME_READINGS``, empty if none)
    and the rest of the name."""
    for surname, syllables in SURNAME_READINGS.items():
        if name.startswith(surname):
            return syllables, name[len(surname):]
    return (), name


def name_pinyin(name: str) -> tuple[str, str]:
    """``name`` as (full pinyin, initials), both lower-case without spaces."""
    name = (name or "").strip()
    if not name:
        return "", ""
    from pypinyin import lazy_pinyin

    surname, rest = surname_split(name)
    # Characters without a pinyin reading (Latin letters, digits) are kept as words.
    syllables = [*surname, *lazy_pinyin(rest, errors=lambda chars: chars.split())]
    full = "".join(syllables).lower()
    initials = "".join(s[:1] for s in syllables).lower()
    return full[:200], initials[:50]
