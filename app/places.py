"""Communities and grids in the order people count them: 第二网格 before 第十网格, 2 before 10.

Places have no number or sort column of their own, and their names are Chinese ordinals
(第五网格) or carry digits (第12网格): as text 第五 sorts before 第四, and 10 before 2. Every
list of grids or communities sorts with `place_key`, here, so they all agree.
"""

import re
from collections.abc import Iterable
from typing import TypeVar

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMBER = re.compile(r"(\d+|[零〇一二两三四五六七八九十百千]+)")

T = TypeVar("T")


def chinese_number(text: str) -> int:
    """The value of a Chinese numeral: 十一 = 11, 二十 = 20, 一百零五 = 105, 一二 = 12."""
    if not any(ch in UNITS for ch in text):
        # Read digit by digit, as in a room or building number (一二〇 = 120).
        return int("".join(str(DIGITS[ch]) for ch in text))
    total = current = 0
    for ch in text:
        if ch in UNITS:
            # A unit with no digit before it counts once: 十一 is 11.
            total += (current or 1) * UNITS[ch]
            current = 0
        else:
            current = DIGITS[ch]
    return total + current


def natural_key(name: str) -> tuple:
    """A sort key for a name with numbers in it, Chinese or Arabic, read as numbers."""
    parts = NUMBER.split(name or "")
    # re.split with a group alternates text and number, text first: every position holds the
    # same type in every key, so keys always compare. The raw numeral breaks ties (01 vs 1).
    return tuple(
        (int(p) if p.isdigit() else chinese_number(p), p) if i % 2 else p.casefold()
        for i, p in enumerate(parts)
    )


def place_key(community: str, grid: str = "") -> tuple:
    """Sort key for a place: by community, then by grid, each in natural order."""
    return natural_key(community), natural_key(grid)


def by_name(items: Iterable[T]) -> list[T]:
    """Grids (or communities) of one parent in natural order of their names."""
    return sorted(items, key=lambda item: natural_key(item.name))


def grids_in_order(rows: Iterable[tuple[T, str]]) -> list[T]:
    """Grids from (grid, community name) rows, by community, then by grid, in natural order."""
    return [grid for grid, _community in sorted(rows, key=lambda r: place_key(r[1], r[0].name))]
