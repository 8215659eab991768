"""Who sent a file and which deliverable it is (the round: ``intake.routing``).

Evidence is taken in order of trust: the template's hidden metadata sheet, then the drop
zone's folders and the file name, then the 填报单位 cell. Unit names are matched through
each unit's full name, short name and aliases after normalising spaces and full-width
characters, so ``汉滨区局``, ``汉滨区 市场监督管理局`` and ``汉滨区市场监督管理局`` are one unit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from campaign_ops.campaign import Campaign, DeliverableKind, Unit

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv", ".et"}
DOCUMENT_SUFFIXES = {".doc", ".docx", ".pdf", ".wps", ".txt", ".odt", ".rtf", ".ofd"}
MEDIA_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".bmp",
    ".heic",
    ".mp4",
    ".mov",
    ".avi",
    ".wmv",
    ".mkv",
    ".m4v",
}
ARCHIVE_SUFFIXES = {".zip", ".rar", ".7z"}
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_MEDIA_BYTES = 500 * 1024 * 1024

# File-name keywords → deliverable kind, most specific first.
KEYWORDS: tuple[tuple[DeliverableKind, tuple[str, ...]], ...] = (
    (DeliverableKind.self_check_report, ("自查",)),
    (DeliverableKind.typical_cases, ("典型案例", "案例")),
    (DeliverableKind.photos_video, ("图片", "照片", "视频", "影像")),
    (DeliverableKind.progress_note, ("进展", "进度", "阶段性", "工作情况报告")),
    (DeliverableKind.summary, ("总结",)),
)

_SPACES = re.compile(r"\s+")
_SEAL = re.compile(r"[（(]?\s*盖\s*章\s*[）)]?")


def normalise(text: str) -> str:
    """Full-width → half-width, no spaces, lower case: how names are compared."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).lower()


@dataclass(frozen=True)
class Guess:
    """A value and the evidence it came from (``metadata``, ``path`` or ``unit_cell``)."""

    value: str
    source: str


class UnitMatcher:
    """Finds a campaign's unit in free text (a folder, a file name, a 填报单位 cell)."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self._names: list[tuple[str, str]] = sorted(
            ((normalise(n), u.code) for u in campaign.units for n in (*u.names, u.code)),
            key=lambda pair: -len(pair[0]),
        )
        self._exact: dict[str, str] = {}
        for name, code in self._names:  # two units with one spelling: the first listed wins
            self._exact.setdefault(name, code)

    def exact(self, text: str) -> Unit | None:
        code = self._exact.get(normalise(text))
        return self.campaign.unit(code) if code else None

    def within(self, text: str) -> Unit | None:
        """The unit whose longest name occurs in ``text``; None when two units tie."""
        key = normalise(text)
        best: tuple[int, str] | None = None
        for name, code in self._names:
            if len(name) < 2 or name not in key:
                continue
            if best is None:
                best = (len(name), code)
            elif len(name) == best[0] and code != best[1]:
                return None  # ambiguous: two units' names of the same length
            elif len(name) < best[0]:
                break
        return self.campaign.unit(best[1]) if best else None

    def find(self, text: str | None) -> Unit | None:
        """The unit ``text`` names; a 填报单位 cell's （盖章） is not part of the name."""
        if not text:
            return None
        text = _SEAL.sub("", text)
        return self.exact(text) or self.within(text)


_BUILT: dict[int, UnitMatcher] = {}  # by id() of the campaign it was built for


def matcher_for(campaign: Campaign) -> UnitMatcher:
    """The campaign's matcher, built once per loaded campaign: a scan lists, batches and
    processes the same campaign, and indexing a province's units is not free."""
    matcher = _BUILT.get(id(campaign))
    if matcher is None or matcher.campaign is not campaign:
        if len(_BUILT) >= 8:
            _BUILT.clear()
        matcher = _BUILT[id(campaign)] = UnitMatcher(campaign)
    return matcher


def unit_from_path(matcher: UnitMatcher, path: str) -> Unit | None:
    """The unit named by the nearest folder, else by the file name."""
    parts = PurePosixPath(path).parts
    for folder in reversed(parts[:-1]):
        unit = matcher.find(folder)
        if unit:
            return unit
    return matcher.within(PurePosixPath(path).stem)


def document_kind(path: str) -> DeliverableKind | None:
    """Which non-statistics deliverable a file's name says it is."""
    name = PurePosixPath(path).name
    for kind, words in KEYWORDS:
        if any(w in name for w in words):
            return kind
    if PurePosixPath(path).suffix.lower() in MEDIA_SUFFIXES:
        return DeliverableKind.photos_video
    return None


def is_spreadsheet(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in SPREADSHEET_SUFFIXES


def size_limit(path: str) -> int | None:
    """Maximum size of a non-statistics file by type, or None when the type is not accepted."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in MEDIA_SUFFIXES:
        return MAX_MEDIA_BYTES
    if suffix in DOCUMENT_SUFFIXES or suffix in ARCHIVE_SUFFIXES:
        return MAX_DOCUMENT_BYTES
    return None
