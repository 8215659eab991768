"""What the 起草 page does with a campaign YAML text: check it as ``campaign-ops lint`` would
and lay out its calendar (``review``), and save it (``save_campaign``) — once, atomically, never
over an existing file. No web code here: the routes are in ``board.drafts``."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from campaign_ops.campaign import Campaign
from campaign_ops.campaign_lint import lint_file
from campaign_ops.drafting import Finding
from campaign_ops.specfile import load_yaml_text
from campaign_ops.vocabulary import TO_VERIFY

WEEKDAYS = "一二三四五六日"
DEADLINE_PREFIX = "报送截止："  # the timeline's deadline titles; the table's column says it
# A line the drafter marked for a person: ``deadline: 2024-05-10  # 待核实：年份按印发日期推定``
_MARK = re.compile(rf"#\s*{TO_VERIFY}\s*[:：]?\s*(?P<why>.*)$")
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


@dataclass(frozen=True)
class Marked:
    """A line of the YAML still marked 待核实."""

    line: int
    text: str
    why: str


@dataclass(frozen=True)
class CalendarRow:
    date: str
    weekday: str
    time: str
    title: str
    round: str
    deliverables: str
    non_working_day: str | None


@dataclass
class Review:
    """Everything the review page shows about one YAML text."""

    yaml_text: str
    campaign_id: str
    findings: tuple[Finding, ...] = ()
    problems: list[str] = field(default_factory=list)
    marked: list[Marked] = field(default_factory=list)
    campaign: Campaign | None = None
    phases: list[tuple[str, str, str]] = field(default_factory=list)
    deadlines: list[CalendarRow] = field(default_factory=list)
    reminders: int = 0
    reports: int = 0

    @property
    def guesses(self) -> list[Finding]:
        return [f for f in self.findings if f.guess]

    @property
    def holiday_deadlines(self) -> list[CalendarRow]:
        return [d for d in self.deadlines if d.non_working_day]


def normalized(yaml_text: str) -> str:
    """Browsers send a textarea with CRLF line ends; files keep LF and end with one."""
    text = yaml_text.replace("\r\n", "\n").replace("\r", "\n")
    return text.rstrip("\n") + "\n"


def marked_lines(yaml_text: str) -> list[Marked]:
    """Every 待核实 mark: at the end of a value's line, or on a comment line of its own above
    the value (the drafter's way), shown with that value."""
    lines = yaml_text.splitlines()
    out = []
    for number, line in enumerate(lines, start=1):
        found = _MARK.search(line)
        if not found:
            continue
        value = line[: found.start()].strip()
        if not value:
            below = (s.strip() for s in lines[number:] if s.strip())
            value = next((s for s in below if not s.startswith("#")), "")
        out.append(Marked(number, value, found.group("why").strip() or "请核对原文"))
    return out


def declared_id(yaml_text: str) -> str | None:
    """The campaign id the YAML declares, when it reads and names a usable file name."""
    try:
        data = load_yaml_text(yaml_text, Path("draft.yaml"), ValueError)
    except Exception:
        return None
    given = data.get("id") if isinstance(data, dict) else None
    return given if isinstance(given, str) and _SAFE_ID.match(given) else None


def lint_text(yaml_text: str) -> tuple[Campaign | None, list[str]]:
    """``campaign-ops lint`` on a text, as the file ``<id>.yaml`` it would be saved as."""
    name = declared_id(yaml_text) or "draft"
    with tempfile.TemporaryDirectory(prefix="campaign-draft-") as tmp:
        path = Path(tmp) / f"{name}.yaml"
        path.write_text(yaml_text, encoding="utf-8")
        return lint_file(path)


def review(yaml_text: str, findings: tuple[Finding, ...] = ()) -> Review:
    """Lint the YAML and, when it is sound, lay out its calendar."""
    from campaign_ops.timeline import build_timeline

    text = normalized(yaml_text)
    campaign, problems = lint_text(text)
    result = Review(text, declared_id(text) or "", findings, problems, marked_lines(text))
    if campaign is None:
        return result
    result.campaign = campaign
    result.phases = [(p.name, p.start.isoformat(), p.end.isoformat()) for p in campaign.phases]
    timeline = build_timeline(campaign)
    for e in timeline.of_kind("deadline"):
        result.deadlines.append(
            CalendarRow(
                date=e.date.isoformat(),
                weekday=f"周{WEEKDAYS[e.date.weekday()]}",
                time=e.time or "",
                title=e.title.removeprefix(DEADLINE_PREFIX),
                round=e.round or "",
                deliverables="、".join(e.deliverables or ()),
                non_working_day=e.non_working_day,
            )
        )
    result.reminders = len(timeline.reminder_moments())
    result.reports = len(timeline.report_moments())
    return result


def field_label(path: str) -> str:
    """The Chinese name of a finding's field: ``rounds[0].deadline`` → 截止日期."""
    from campaign_ops.campaign_errors import FIELD_LABELS

    names = [re.sub(r"\[.*?\]", "", part) for part in path.split(".")]
    return next((FIELD_LABELS[n] for n in reversed(names) if n in FIELD_LABELS), "")


def findings_json(findings: tuple[Finding, ...]) -> str:
    return json.dumps([dataclasses.asdict(f) for f in findings], ensure_ascii=False)


def findings_from_json(text: str) -> tuple[Finding, ...]:
    """The findings a review page carried along (display only: the YAML is what counts)."""
    try:
        items = json.loads(text or "[]")
        return tuple(
            Finding(**{k: item.get(k) for k in ("field", "value", "sentence", "guess")})
            for item in items
            if isinstance(item, dict)
        )
    except (ValueError, TypeError):
        return ()


# ---- saving --------------------------------------------------------------------------------


class SaveOutcome(StrEnum):
    saved = "saved"
    unchanged = "unchanged"  # the same text was saved before (a repeated click or retry)
    exists = "exists"  # another file of that name: never overwritten
    invalid = "invalid"
    unwritable = "unwritable"  # the campaigns folder cannot be written


@dataclass(frozen=True)
class Saved:
    outcome: SaveOutcome
    path: Path | None = None
    problems: list[str] = field(default_factory=list)
    campaign: Campaign | None = None


def save_campaign(yaml_text: str, directory: Path) -> Saved:
    """Write the linted YAML as ``directory/<id>.yaml``, never over an existing file."""
    text = normalized(yaml_text)
    campaign, problems = lint_text(text)
    if campaign is None:
        return Saved(SaveOutcome.invalid, problems=problems)
    target = Path(directory) / f"{campaign.id}.yaml"
    try:
        outcome = _existing(target, text) if target.exists() else _write_new(target, text)
    except OSError as exc:  # a read-only mount, a full disk: say so, write nothing
        why = exc.strerror or type(exc).__name__
        said = f"无法写入 {directory}（{why}），请联系管理员检查该目录的权限和磁盘空间"
        return Saved(SaveOutcome.unwritable, target, [said], campaign)
    return Saved(outcome, target, campaign=campaign)


def _write_new(target: Path, text: str) -> SaveOutcome:
    """Write ``target`` whole or not at all; a file of that name appearing meanwhile wins."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # "_" and ".partial" keep the half-written file out of campaign_files(); link() refuses
    # an existing name, so two saves at once cannot overwrite each other.
    fd, partial = tempfile.mkstemp(prefix=f"_{target.stem}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o644)
        try:
            os.link(partial, target)
        except FileExistsError:
            return _existing(target, text)
    finally:
        os.unlink(partial)
    return SaveOutcome.saved


def _existing(target: Path, text: str) -> SaveOutcome:
    same = target.read_text(encoding="utf-8", errors="replace") == text
    return SaveOutcome.unchanged if same else SaveOutcome.exists
