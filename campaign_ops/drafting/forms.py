"""Which statistics form each "统计表" of a circular is: its attachments (附件：1. 工作情况统计表)
matched by title to the form specs in the forms folder.

A table with no form yet cannot be a statistics deliverable (lint fails a form id that has no
spec), so until ops make the form (``campaign-ops form-from-xlsx``) it is collected as a plain
document under the table's name, marked 待核实 with the form id to create and the line to
change: the draft lints today and says exactly what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from campaign_ops.drafting.heading import is_form
from campaign_ops.drafting.schedule import Item

DOCUMENT_KINDS = ("progress_note", "summary", "typical_cases", "self_check_report", "photos_video")


@dataclass(frozen=True)
class Due:
    """A deliverable as it will be written: kind, form, title, and why it needs a person."""

    kind: str
    form: str | None = None
    title: str | None = None
    note: str | None = None  # where it came from (附件1“工作情况统计表”)
    guess: str | None = None


def known_forms(forms_dir: Path | None = None) -> dict[str, str]:
    """Form id → title of every form spec in the forms folder."""
    if forms_dir is None:
        from campaign_ops.settings import settings

        forms_dir = Path(settings().forms_dir)
    out: dict[str, str] = {}
    for path in sorted(Path(forms_dir).glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and isinstance(data.get("title"), str):
            out[path.stem] = data["title"]
    return out


def _plain(title: str) -> str:
    return re.sub(r"[\s《》“”\"'、，,。；;:：]", "", title)


class FormMatcher:
    """Statistics tables of one circular → form ids; proposes ids for tables with no form."""

    def __init__(self, attachments: list[str], campaign_id: str, forms: dict[str, str]):
        self.tables = [a for a in attachments if is_form(a)]
        self.numbers = {a: attachments.index(a) + 1 for a in self.tables}
        self.campaign_id = campaign_id
        self.by_title: dict[str, list[str]] = {}
        for form_id, title in forms.items():
            self.by_title.setdefault(_plain(title), []).append(form_id)
        self.named: set[str] = set()

    def tables_for(self, phrase: str) -> list[str]:
        """The attachments a "…统计表" phrase means: those it names, else all of them."""
        plain = _plain(phrase)
        exact = [a for a in self.tables if _plain(a) == plain]
        if exact:
            self.named.update(exact)
            return exact
        named = [a for a in self.tables if plain and (plain in _plain(a) or _plain(a) in plain)]
        generic = re.fullmatch(r"(?:工作)?(?:情况)?(?:统计表|报表|情况表)", plain)
        if named and not generic:
            self.named.update(named)
            return named
        if self.tables:
            self.named.update(self.tables)
            return list(self.tables)
        return [phrase]

    def due(self, table: str) -> Due:
        """The deliverable for one table: its form when one has this title, else a document."""
        number = self.numbers.get(table)
        source = f"附件{number}“{table}”" if number else f"“{table}”"
        ids = self.by_title.get(_plain(table), [])
        if len(ids) == 1:
            return Due("statistics", form=ids[0], note=f"{source}，表单 {ids[0]}")
        if ids:
            why = f"表单目录中有{len(ids)}张同名表：{'、'.join(ids)}，取第一张，请确认"
            return Due("statistics", form=ids[0], note=source, guess=why)
        form_id = self.new_id(table)
        why = (
            f"表单目录中还没有{source}，暂按文件收取；用 campaign-ops form-from-xlsx 把附件表格"
            f"生成表单 include/forms/{form_id}.yaml 后，把这一项改为 "
            f"{{kind: statistics, form: {form_id}}}"
        )
        return Due("", title=table, note=source, guess=why)

    def new_id(self, table: str) -> str:
        index = self.tables.index(table) + 1 if table in self.tables else 0
        return f"{self.campaign_id}-form{index or ''}".strip("-")

    def unnamed(self) -> list[str]:
        return [a for a in self.tables if a not in self.named]


def deliverables(items: tuple[Item, ...], matcher: FormMatcher) -> list[Due]:
    """The deliverables of one round: documents by kind, statistics by form; a table with no
    form becomes a document of a kind the round does not use yet (one per kind and round)."""
    out: list[Due] = []
    for item in items:
        if item.kind != "statistics":
            out.append(Due(item.kind))
            continue
        for table in matcher.tables_for(item.phrase):
            out.append(matcher.due(table))
    return settle(out)


def settle(dues: list[Due]) -> list[Due]:
    """Give each stand-in document a kind the round has free, and drop repeats."""
    used = {d.kind for d in dues if d.kind}
    out: list[Due] = []
    keys: set[str] = set()
    for d in dues:
        if not d.kind:
            free = next((k for k in DOCUMENT_KINDS if k not in used), None)
            if free is None:
                continue
            used.add(free)
            d = Due(free, title=d.title, note=d.note, guess=d.guess)
        key = d.form or d.kind
        if key not in keys:
            keys.add(key)
            out.append(d)
    return out


UNNAMED = "这张附件表在报送要求中未点名，按附件列入要报统计表的轮次"


def with_unnamed_tables(lists: list[list[Due]], matcher: FormMatcher) -> list[list[Due]]:
    """An attachment table no deadline names is still a form the circular asks for: it joins
    every round that asks for statistics (the last round when none does), marked 待核实."""
    extra = [matcher.due(t) for t in matcher.unnamed()]
    if not extra or not lists:
        return lists
    extra = [Due(d.kind, d.form, d.title, d.note, d.guess or UNNAMED) for d in extra]
    takers = [
        k for k, dues in enumerate(lists) if any(d.kind == "statistics" or d.note for d in dues)
    ]
    out = list(lists)
    for k in takers or [len(lists) - 1]:
        out[k] = settle(out[k] + extra)
    return out
