"""Writing the drafted YAML line by line, so that every value can carry its source sentence
(``# 原文：“…”``) and every guess its reason (``# 待核实：…``) as comments right above it, and
each written value is recorded as a ``Finding`` for the summary and the board's draft page.
"""

from __future__ import annotations

import datetime as dt

import yaml

from campaign_ops.vocabulary import TO_VERIFY


def scalar(value: object) -> str:
    """A value in YAML flow style (quoted where YAML would misread it: "15:00", "8951831")."""
    if isinstance(value, str) and value.isdigit():
        return f'"{value}"'
    text = yaml.safe_dump(
        value, allow_unicode=True, default_flow_style=True, sort_keys=False, width=10**6
    )
    return text.removesuffix("\n").removesuffix("\n...").strip()


def flow(mapping: dict) -> str:
    """{kind: statistics, form: x} with values quoted as ``scalar`` does."""
    return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in mapping.items() if v is not None) + "}"


class Doc:
    """The YAML text being written and the findings behind it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.findings: list[tuple[str, str, str, str | None]] = []
        self.last_quoted: str | None = None

    def blank(self) -> None:
        self.lines.append("")

    def comment(self, text: str, indent: int = 0) -> None:
        for line in text.splitlines() or [""]:
            self.lines.append(" " * indent + f"# {line}".rstrip())

    def notes(self, indent: int, sentence: str | None, guess: str | None) -> None:
        if sentence and sentence == self.last_quoted:
            self.comment("原文：同上", indent)  # three phases of one sentence: quoted once
        elif sentence:
            self.comment(f"原文：“{sentence}”", indent)
            self.last_quoted = sentence
        if guess:
            self.comment(f"{TO_VERIFY}：{guess}", indent)

    def record(self, path: str, value: object, sentence: str | None, guess: str | None) -> None:
        if sentence or guess:
            shown = value.isoformat() if isinstance(value, dt.date) else str(value)
            self.findings.append((path, shown, sentence or "", guess))

    def field(
        self,
        path: str,
        value: object,
        indent: int = 0,
        sentence: str | None = None,
        guess: str | None = None,
    ) -> None:
        """``key: value`` with its notes above it; ``path`` is the finding's YAML path."""
        self.notes(indent, sentence, guess)
        key = path.rsplit(".", 1)[-1].split("[")[0]
        self.lines.append(" " * indent + f"{key}: {scalar(value)}")
        self.record(path, value, sentence, guess)

    def item(
        self,
        path: str,
        mapping: dict,
        indent: int,
        sentence: str | None = None,
        guess: str | None = None,
        tail: str | None = None,
    ) -> None:
        """``- {…}`` (a list item in flow style), with its notes above and ``tail`` after it."""
        self.notes(indent, sentence, guess)
        after = f"  # {tail}" if tail else ""
        self.lines.append(" " * indent + f"- {flow(mapping)}{after}")
        self.record(path, flow(mapping), sentence, guess)

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"
