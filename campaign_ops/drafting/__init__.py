"""Drafting a campaign YAML from its circular (通知): the system reads, a person checks.

``draft_from_text`` / ``draft_from_file`` turn a circular into a campaign YAML that passes
``campaign-ops lint``; every value carries the sentence it came from as a YAML comment and every
guess is marked ``# 待核实：<why>`` so ops staff know what to check before saving it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Finding:
    """One value the drafter wrote, where it came from, and whether a person must check it."""

    field: str  # YAML path, e.g. "rounds[2].deadline"
    value: str  # what was written
    sentence: str  # the circular's sentence it came from
    guess: str | None  # None when read plainly; else why it needs a person (待核实)


@dataclass(frozen=True)
class Draft:
    """A drafted campaign: its YAML text, what was found, and the summary the CLI prints."""

    yaml_text: str  # the campaign YAML with source comments and # 待核实 marks
    findings: tuple[Finding, ...]
    summary_zh: str  # the Chinese summary the CLI prints
    campaign_id: str


def draft_from_text(
    text: str, *, roster: str | None = None, source_name: str | None = None
) -> Draft:
    """The campaign draft of a circular's plain text."""
    raise NotImplementedError


def draft_from_file(path: Path, *, roster: str | None = None) -> Draft:
    """The campaign draft of a circular file (.txt, .docx)."""
    path = Path(path)
    return draft_from_text(
        circular_text(path.read_bytes(), path.name), roster=roster, source_name=path.name
    )


def circular_text(data: bytes, filename: str) -> str:
    """The circular's text (paragraphs and tables) from a file's bytes."""
    raise NotImplementedError


__all__ = ["Draft", "Finding", "circular_text", "draft_from_file", "draft_from_text"]
