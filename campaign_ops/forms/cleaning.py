"""Turning what people type into cells into values, and labels into comparable keys.

County staff type full-width digits (１２３), thousands separators, units after numbers
(``12件``), ``—`` or ``无`` for none, and store numbers as text. Blank is *not* zero: a blank
cell stays ``None`` so validation can ask the unit to fill it in.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from functools import lru_cache
from typing import Any

# Excel's day 0 for the 1900 date system (serial 60 is the fictitious 1900-02-29).
_EXCEL_EPOCH = dt.date(1899, 12, 30)

# Cell texts that explicitly mean "none" (a zero), as opposed to a blank cell.
NONE_WORDS = frozenset({"—", "——", "-", "--", "－", "–", "―", "无", "没有", "/", "／"})

_SPACES = re.compile(r"\s+")
_PARENS = re.compile(r"[（(][^（）()]*[）)]")
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．](?!\d))"
)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


def norm_label(text: Any) -> str:
    """See ``_norm``; non-text cells never match a label."""
    if not isinstance(text, str):
        return "" if text is None else _norm(str(text))
    return _norm(text)


@lru_cache(maxsize=65536)
def _norm(text: str) -> str:
    """A label reduced to what identifies it: no spaces, no numbering, no units in brackets.

    ``"（一）立案数\\n（件）"`` and ``"立案数"`` both become ``"立案数"``, so a header typed by
    hand, wrapped onto two lines or given its unit still matches the spec.
    """
    s = unicodedata.normalize("NFKC", text)
    s = _SPACES.sub("", s)
    s = _NUMBERING.sub("", s)
    s = _PARENS.sub("", s)
    s = s.removeprefix("其中:").removeprefix("其中").removeprefix(":")
    return s.strip("*:：").lower()


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and not raw.strip()


def to_number(raw: Any, unit: str | None = None) -> tuple[float | None, str | None]:
    """(value, problem): ``problem`` is the original text when it is not a number.

    Accepts real numbers, numbers stored as text, full-width digits, thousands separators,
    a trailing unit of measure (``12件``, ``3.5万元``) and the words for none (``—``, ``无``).
    """
    cls = raw.__class__
    if cls is float:  # the common case first: calamine returns numbers as floats
        return (None, None) if raw != raw else (raw, None)
    if raw is None or raw == "":
        return None, None
    if cls is bool:
        return None, str(raw)
    if isinstance(raw, int | float):
        return (None, None) if isinstance(raw, float) and math.isnan(raw) else (float(raw), None)
    if isinstance(raw, dt.date | dt.datetime | dt.time | dt.timedelta):
        return None, str(raw)
    return _text_number(raw if cls is str else str(raw), unit)


@lru_cache(maxsize=65536)
def _text_number(raw: str, unit: str | None) -> tuple[float | None, str | None]:
    """``to_number`` for text; cached, as the same few spellings recur across thousands of files."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None, None
    if text in NONE_WORDS:
        return 0.0, None
    s = _SPACES.sub("", text).replace(",", "").replace("，", "")
    if unit:
        s = s.removesuffix(unicodedata.normalize("NFKC", unit))
    if _NUMBER.match(s):
        return float(s), None
    return None, raw.strip()


def to_date(raw: Any) -> tuple[dt.date | None, str | None]:
    """(date, problem): Excel serials, real dates and the usual Chinese spellings."""
    if raw is None:
        return None, None
    if isinstance(raw, dt.datetime):
        return raw.date(), None
    if isinstance(raw, dt.date):
        return raw, None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if math.isnan(raw):
            return None, None
        if 1 <= raw < 2958466:  # Excel serial day numbers up to 9999-12-31
            return _EXCEL_EPOCH + dt.timedelta(days=int(raw)), None
        return None, str(raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if not text:
        return None, None
    m = re.match(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$", text)
    if not m:
        m = re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])), None
        except ValueError:
            pass
    return None, str(raw).strip()


def to_text(raw: Any) -> str | None:
    """Text cells: trimmed, inner runs of spaces kept as one; numbers shown without ``.0``."""
    if is_blank(raw):
        return None
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime | dt.date):
        return raw.isoformat()
    return re.sub(r"[ \t\u3000]+", " ", str(raw)).strip()


def display(value: Any) -> str:
    """A value as the report shows it to a person."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "（空白）"
    if isinstance(value, float):  # 15 digits: 罚没款 such as 12345.6789 万元 shown whole
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)
