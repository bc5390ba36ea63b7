"""Pinyin keys for finding residents by name: full syllables and initials, kept on the row.

pypinyin converts; this module decides what the stored key and the query look like, so that
"zfg", "zhangfu" and "张fg" all find 张福贵 with one LIKE on an indexed column.
"""

import re
from functools import lru_cache

from pypinyin import lazy_pinyin

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Surnames whose reading differs from the character's usual one (曾 zeng, not ceng). A
# handful that grid workers meet often; pypinyin reads characters, not names.
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "仇": "qiu",
    "解": "xie",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "盖": "ge",
    "乐": "yue",
    "缪": "miao",
    "覃": "qin",
    "翟": "zhai",
    "尉": "yu",
    "万": "wan",
    "长": "chang",
}
KEY_LENGTH = 400


@lru_cache(maxsize=20000)
def syllable(char: str) -> str:
    """The toneless pinyin of one Chinese character (ü as v, as phones type it)."""
    return lazy_pinyin(char, errors="ignore")[0].lower() if HAN.match(char) else char.lower()


def _syllables(text: str, surname: bool) -> list[str]:
    out = []
    for i, char in enumerate(text):
        if HAN.match(char):
            reading = SURNAME_READINGS.get(char) if surname and i == 0 else None
            out.append(reading or syllable(char))
        elif char.isalnum():
            out.append(char.lower())
    return out


def name_key(name: str | None) -> str:
    """The stored key of a name: full pinyin, a space, initials ("zhangfugui zfg")."""
    syllables = _syllables(name or "", surname=True)
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    return f"{full} {initials}"[:KEY_LENGTH]


def query_forms(q: str) -> list[str]:
    """What a typed query looks like in the key: itself, or with its characters turned into
    full syllables and into initials ("张fg" -> "zhangfg", "zfg"). None without a letter."""
    q = re.sub(r"[\s'’]", "", q or "").lower()
    if not re.search(r"[a-z]", q):
        return []
    if not HAN.search(q):
        return [q]
    full = "".join(syllable(c) if HAN.match(c) else c for c in q)
    initials = "".join(syllable(c)[:1] if HAN.match(c) else c for c in q)
    return list(dict.fromkeys([full, initials]))
