"""A printed PDF as the words on its pages, with their boxes (``pdftotext -bbox``), for the
print tests of reports and templates: page size, word height, overlap and what a page says.
A missing poppler fails the test with what to install (these tests must not quietly skip)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

INSTALL = (
    "请运行 scripts/install-services.sh（或 apt-get install libreoffice-calc-nogui poppler-utils）"
)


def require(*programs: str) -> None:
    """Fail (never skip) when a program the print tests need is not installed."""
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        pytest.fail(f"缺少 {'、'.join(missing)}：{INSTALL}", pytrace=False)


@dataclass(frozen=True)
class Word:
    """One word's box in points from the page's top left."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    width: float
    height: float
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        """The words in drawing order, spaced as pdftotext splits them."""
        return " ".join(w.text for w in self.words)

    @property
    def joined(self) -> str:
        """The words run together (a wrapped cell's lines, a title split at a space)."""
        return "".join(w.text for w in self.words)


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def pdf_pages(pdf: Path) -> list[Page]:
    """Every page of ``pdf``: its size and its words."""
    require("pdftotext")
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return [
        Page(
            n,
            float(w),
            float(h),
            tuple(
                Word(float(a), float(b), float(c), float(d), html.unescape(t))
                for a, b, c, d, t in _WORD.findall(body)
            ),
        )
        for n, (w, h, body) in enumerate(_PAGE.findall(out), 1)
    ]
