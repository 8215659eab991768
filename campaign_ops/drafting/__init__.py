"""Drafting a campaign YAML from its circular (通知): the system reads, a person checks.

``draft_from_text`` / ``draft_from_file`` turn a circular into a campaign YAML that passes
``campaign-ops lint``; every value carries the sentence it came from as a YAML comment and every
guess is marked ``# 待核实：<why>`` so ops staff know what to check before saving it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from campaign_ops.drafting.reading import CircularReadError, circular_text


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
    return build_draft(text, roster=roster, source_name=source_name)


def build_draft(
    text: str,
    *,
    roster: str | None = None,
    source_name: str | None = None,
    campaign_id: str | None = None,
    forms_dir: Path | None = None,
) -> Draft:
    """``draft_from_text`` with the campaign id chosen by the caller (the CLI names it after
    the output file, which lint requires) and the forms folder to match attachments in."""
    from campaign_ops.drafting.facts import read_facts
    from campaign_ops.drafting.forms import known_forms
    from campaign_ops.drafting.layout import lay_out
    from campaign_ops.drafting.summary import summary_zh
    from campaign_ops.drafting.units import draft_units

    if not text.strip():
        raise CircularReadError("通知内容是空的，请粘贴通知全文或上传通知文件")
    facts = read_facts(text)
    id_guess = None
    if campaign_id is None:
        campaign_id = f"circular-{facts.issued.value:%Y-%m%d}"
        id_guess = "行动编号按发文日期拟定，可改为拼音简称（须与文件名相同）"
    units = draft_units(facts.addressed, roster)
    forms = known_forms(forms_dir)
    doc, rounds = lay_out(facts, units, campaign_id, id_guess, source_name, forms)
    findings = tuple(Finding(*f) for f in doc.findings)
    guesses = [(f.field, f.guess) for f in findings if f.guess]
    summary = summary_zh(facts, units, rounds, guesses, campaign_id)
    return Draft(doc.text(), findings, summary, campaign_id)


def draft_from_file(path: Path, *, roster: str | None = None) -> Draft:
    """The campaign draft of a circular file (.txt, .docx, .pdf with a text layer)."""
    path = Path(path)
    text = circular_text(path.read_bytes(), path.name)
    return draft_from_text(text, roster=roster, source_name=path.name)


__all__ = [
    "CircularReadError",
    "Draft",
    "Finding",
    "build_draft",
    "circular_text",
    "draft_from_file",
    "draft_from_text",
]
