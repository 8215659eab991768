"""Which unit, form, deliverable and round a file is, and whether the unit already sent it.

These are the rules ops and inheritors ask about most, so they live here, in one place. The
unit: the template's metadata sheet, then the drop zone's folders and file name, then the
填报单位 cell (``identify.UnitMatcher``). The deliverable: a table's form, a document's
keyword. The round:

1. A round the file names wins: the template's metadata, a folder equal to a round id, the
   round's deadline (``2023-05-10``, ``20230510``, ``5月10日``) or its title in a folder or
   file name.
2. Otherwise the earliest round whose window has opened and which still needs that
   deliverable from that unit. A round's window opens the day after the deadline of the
   previous round that asks the unit for the same deliverable (the first at the campaign's
   start). When several open rounds still need it, the earliest takes it and ops are asked to
   confirm (``campaign-ops assign`` moves it).
3. When no open round needs it any more, it is a new version for the latest open round (a
   correction); before the first window, the first round.

Deliveries are per unit: another unit's identical bytes are that unit's delivery. The same
bytes from the same unit for a slot it already has are a no-op, unless the file names another
round.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from campaign_ops.campaign import Campaign, Round, Unit
from campaign_ops.forms.submission import ParsedSubmission, Refusal
from campaign_ops.intake.identify import (
    MAX_MEDIA_BYTES,
    UnitMatcher,
    document_kind,
    is_spreadsheet,
    normalise,
    size_limit,
    unit_from_path,
)
from campaign_ops.intake.work import Scan, Work
from campaign_ops.store.intake_log import Outcome
from campaign_ops.store.models import RoundBasis

BROKEN_AFTER = dt.timedelta(hours=1)  # an incomplete file unchanged this long is broken

Slot = tuple[str, str, str]  # (round, unit, deliverable)


@dataclass(frozen=True)
class RoundChoice:
    round: Round
    basis: RoundBasis
    candidates: tuple[str, ...] = ()  # the open rounds that still needed it (basis earliest)


@dataclass
class Deliveries:
    """What each unit has delivered so far: the slots that have a version that counts or is
    still being checked, and the contents each unit sent for each deliverable. Loaded once
    per scan and kept up to date as the scan routes files, so two files of one scan see each
    other."""

    filled: set[Slot] = field(default_factory=set)
    contents: dict[tuple[str, str, str], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )  # (unit, deliverable, sha256) → round ids

    def add(self, slot: Slot, sha256: str, fills: bool = True) -> None:
        round_id, unit, deliverable = slot
        self.contents[(unit, deliverable, sha256)].add(round_id)
        if fills:
            self.filled.add(slot)

    def rounds_with_content(self, unit: str, deliverable: str, sha256: str) -> set[str]:
        return self.contents.get((unit, deliverable, sha256), set())


def load_deliveries(session, campaign_id: str) -> Deliveries:
    """Every recorded submission of the campaign, as routing needs it (one query)."""
    import sqlalchemy as sa

    from campaign_ops.store.models import Submission, SubmissionStatus

    counting = {
        SubmissionStatus.accepted.value,
        SubmissionStatus.superseded.value,
        SubmissionStatus.received.value,
    }
    out = Deliveries()
    rows = session.execute(
        sa.select(
            Submission.round_id,
            Submission.unit_code,
            Submission.deliverable_key,
            Submission.sha256,
            Submission.status,
        ).where(Submission.campaign_id == campaign_id)
    )
    for round_id, unit, deliverable, sha, status in rows:
        out.add((round_id, unit, deliverable), sha, fills=status in counting)
    return out


# ---- a round the file names ---------------------------------------------------------------

_BRACKETS = re.compile(r"[（(].*?[）)]")


def _round_tokens(r: Round) -> list[str]:
    d = r.deadline
    tokens = [d.isoformat(), f"{d.year}{d.month:02d}{d.day:02d}", f"{d.month}月{d.day}日"]
    title = _BRACKETS.sub("", r.title).strip()
    if len(title) >= 4:  # a title without its "（5月10日前）"; too short a title says nothing
        tokens.append(title)
    return tokens


def round_from_path(campaign: Campaign, path: str) -> Round | None:
    """A round named in the path: a folder equal to its id, or its deadline date
    (``2023-05-10``, ``20230510``, ``5月10日``) or title in a folder or file name."""
    parts = PurePosixPath(path).parts
    for folder in parts[:-1]:
        for r in campaign.rounds:
            if normalise(folder) == normalise(r.id):
                return r
    text = normalise(path)
    hits = [r for r in campaign.rounds if any(normalise(t) in text for t in _round_tokens(r))]
    return hits[0] if len(hits) == 1 else None


# ---- a round by the unit's deliveries -----------------------------------------------------


def rounds_asking(campaign: Campaign, unit: Unit, deliverable: str) -> list[Round]:
    """The rounds that ask this unit for this deliverable, by deadline."""
    return [
        r
        for r in sorted(campaign.rounds, key=lambda r: r.deadline)
        if r.asks(unit.code) and any(d.key == deliverable for d in r.deliverables)
    ]


def window_opens(campaign: Campaign, asking: list[Round], r: Round) -> dt.date:
    """The first day a delivery for ``r`` can arrive: the day after the previous asking
    round's deadline, or the campaign's start."""
    i = asking.index(r)
    return asking[i - 1].deadline + dt.timedelta(days=1) if i else campaign.start


def choose_round(
    campaign: Campaign,
    unit: Unit,
    deliverable: str,
    arrived: dt.date,
    deliveries: Deliveries,
    named: Round | None = None,
) -> RoundChoice | None:
    """The round a delivery counts for (None: no round asks this unit for it)."""
    if named is not None and any(d.key == deliverable for d in named.deliverables):
        return RoundChoice(named, RoundBasis.named)
    asking = rounds_asking(campaign, unit, deliverable)
    if not asking:
        return None
    opened = [r for r in asking if window_opens(campaign, asking, r) <= arrived]
    needing = [r for r in opened if (r.id, unit.code, deliverable) not in deliveries.filled]
    if len(needing) == 1:
        return RoundChoice(needing[0], RoundBasis.only)
    if needing:
        return RoundChoice(needing[0], RoundBasis.earliest, tuple(r.id for r in needing))
    if opened:
        return RoundChoice(opened[-1], RoundBasis.latest)
    return RoundChoice(asking[0], RoundBasis.only)


def already_delivered(
    campaign: Campaign,
    deliveries: Deliveries,
    unit: Unit,
    deliverable: str,
    sha256: str,
    choice: RoundChoice,
) -> str | None:
    """The round for which this unit already sent these very bytes, when this file is
    nothing new (None: a delivery). A file that names a round is a delivery for that round
    unless that round already has these bytes."""
    sent = deliveries.rounds_with_content(unit.code, deliverable, sha256)
    if not sent:
        return None
    if choice.basis == RoundBasis.named:
        return choice.round.id if choice.round.id in sent else None
    return next(r.id for r in campaign.rounds if r.id in sent)


# ---- a file's identity ----------------------------------------------------------------------


def identify_table(scan: Scan, work: Work, parsed: ParsedSubmission | Refusal) -> None:
    """Unit, form and round of a parsed table (``parsed``: the submission or its refusal)."""
    campaign, matcher, entry = scan.campaign, scan.matcher, work.entry
    table = parsed if isinstance(parsed, ParsedSubmission) else None
    identity = table.identity if table else None
    if identity and identity.campaign and identity.campaign != campaign.id:
        work.unit = unit_from_path(matcher, entry.path)  # so that the unit is told
        work.conclude(
            Outcome.unidentified,
            f"这是专项行动“{identity.campaign}”的报表模板，不属于本专项行动，请放到正确的报送目录。",
        )
        return
    # unit: metadata sheet → path → 填报单位 cell
    unit = campaign.units_by_code.get(identity.unit) if identity and identity.unit else None
    work.identified_by = "metadata" if unit else "path"
    unit = unit or unit_from_path(matcher, entry.path)
    if unit is None and table and table.reporting_unit:
        unit = matcher.find(table.reporting_unit)
        work.identified_by = "unit_cell"
    work.unit = unit
    if table:
        work.parsed, work.deliverable = table, table.form.id
        _note_unit_mismatch(matcher, work)
    else:
        work.refusal, work.deliverable = parsed, _form_named(campaign, entry.path)
    named = (
        campaign.round(identity.round)
        if identity and identity.round in _round_ids(campaign)
        else round_from_path(campaign, entry.path)
    )
    incomplete = work.refusal is not None and work.refusal.code == "not_ready"
    if incomplete and scan.now - entry.mtime < BROKEN_AFTER:
        # probably still arriving; an incomplete file unchanged for an hour is rejected
        work.conclude(Outcome.not_ready, work.refusal.message)
        return
    route(scan, work, named)


def _note_unit_mismatch(matcher: UnitMatcher, work: Work) -> None:
    """A template made for one unit with another unit in its 填报单位 cell: counted for the
    template's (or folder's) unit, and the unit is asked to check it."""
    written = work.parsed.reporting_unit
    other = matcher.find(written)
    if work.unit is None or other is None or other.code == work.unit.code:
        return
    from campaign_ops.forms.findings import Finding

    unit = work.unit
    if work.identified_by == "metadata":
        found, fix = f"模板是为“{unit.name}”生成的", "如果用了其他单位的模板，请改用本单位的模板"
    else:
        found, fix = f"文件放在“{unit.name}”的文件夹中", "如果放错了文件夹，请放到本单位的文件夹"
    work.parsed.notes.append(
        Finding(
            severity="warning",
            code="unit_mismatch",
            message=f"{found}，但填报单位写的是“{written}”：已计入{unit.short_name}。"
            f"{fix}重新报送。",
            file=work.parsed.file_name,
            sheet=work.parsed.sheet,
        )
    )


def _round_ids(campaign: Campaign) -> set[str]:
    return {r.id for r in campaign.rounds}


def _form_named(campaign: Campaign, path: str) -> str | None:
    """The statistics form a refused table was meant to be, by its file name."""
    from campaign_ops.forms.spec import load_form

    name = PurePosixPath(path).stem
    for form_id in campaign.forms:
        if load_form(form_id).title in name or form_id in name:
            return form_id
    return campaign.forms[0] if len(campaign.forms) == 1 else None


def identify_document(scan: Scan, work: Work) -> None:
    campaign, matcher, entry = scan.campaign, scan.matcher, work.entry
    limit = size_limit(entry.path)
    suffix = PurePosixPath(entry.path).suffix or "（无扩展名）"
    work.unit = unit_from_path(matcher, entry.path)
    if limit is None:
        work.conclude(
            Outcome.refused,
            f"不接受 {suffix} 类型的文件。工作总结、典型案例等请用 Word（.docx）或 PDF，"
            "图片用 .jpg/.png，视频用 .mp4。",
        )
        return
    if entry.size > limit:
        work.conclude(Outcome.refused, too_big(entry.size, limit))
        return
    kind = document_kind(entry.path)
    work.deliverable = kind.value if kind else None
    work.identified_by = "path"
    route(scan, work, round_from_path(campaign, entry.path))


def size_limit_of(path: str) -> int:
    """The most a file of this type may weigh (an unaccepted type: the largest limit)."""
    from campaign_ops.forms.safety import MAX_FILE_BYTES

    if is_spreadsheet(path):
        return MAX_FILE_BYTES
    return size_limit(path) or MAX_MEDIA_BYTES


def too_big(size: int, limit: int) -> str:
    return (
        f"文件大小 {size / 1024 / 1024:.0f} MB 超过上限 {limit // 1024 // 1024} MB，"
        "请压缩后重新报送。"
    )


def route(scan: Scan, work: Work, named: Round | None) -> None:
    """Choose the round (``intake.routing``), tell a no-op from a delivery, and say clearly
    what is missing when nothing fits."""
    campaign = scan.campaign
    if work.outcome is not None:
        return
    vet = getattr(scan.source, "vet", None)  # a mailbox: the sender must agree (mailbox.source)
    held = vet(work) if vet is not None else None
    if held is not None:
        work.conclude(Outcome.held, held)
        return
    if work.unit is None:
        work.conclude(
            Outcome.unidentified,
            "无法确定报送单位：请使用系统下发的模板，或把文件放在本单位的文件夹中、"
            "在文件名中写明单位名称（如“汉滨区局”）。",
        )
        return
    if work.deliverable is None:
        asked = sorted({d.label for r in campaign.rounds for d in r.deliverables})
        why = f"另外，{work.refusal.message}" if work.refusal is not None else ""
        work.conclude(
            Outcome.unidentified,
            "无法判断这是哪一项报送材料：请在文件名中写明材料名称（"
            + "、".join(asked)
            + "）。"
            + why,
        )
        return
    arrived = work.received_at.astimezone(ZoneInfo(campaign.timezone)).date()
    choice = choose_round(
        campaign, work.unit, work.deliverable, arrived, scan.deliveries, named=named
    )
    if choice is None:
        work.conclude(
            Outcome.unidentified,
            f"本专项行动没有要求{work.unit.short_name}报送这项材料，请核对后再报送。",
        )
        return
    sent_for = already_delivered(
        campaign, scan.deliveries, work.unit, work.deliverable, work.sha256, choice
    )
    if sent_for is not None:
        work.round = campaign.round(sent_for)
        work.conclude(
            Outcome.duplicate,
            f"与贵单位此前为“{work.round.title}”报送的{work.deliverable_label()}内容完全相同，"
            "未重复计入。如果这是另一轮次的材料，请在文件名中写明该轮截止日期"
            "（如“7月10日”）后重新放入。",
        )
        return
    work.round, work.round_choice = choice.round, choice
    scan.deliveries.add((choice.round.id, work.unit.code, work.deliverable), work.sha256)
