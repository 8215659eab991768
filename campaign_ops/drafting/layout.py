"""The drafted campaign YAML, in the order of the hand-written seed campaigns, from the facts
of a circular. Addresses the circular does not give are placeholders on a reserved domain
(``addresses.RESERVED_MAIL_DOMAINS``: mail to them can reach no one), marked 待核实.
"""

from __future__ import annotations

import datetime as dt
import re

from campaign_ops.drafting.dates import Rule
from campaign_ops.drafting.facts import Facts
from campaign_ops.drafting.forms import Due, FormMatcher, deliverables, with_unnamed_tables
from campaign_ops.drafting.reading import quote
from campaign_ops.drafting.schedule import phase_id
from campaign_ops.drafting.units import UnitsDraft
from campaign_ops.drafting.writer import Doc, flow, scalar
from campaign_ops.rounds import DELIVERABLE_LABELS, DeliverableKind
from campaign_ops.vocabulary import TO_VERIFY

PLACEHOLDER = (
    "通知未给出邮箱，暂用保留域名 example.invalid 的占位地址（不会发出邮件），启用前改为真实邮箱"
)
RULE_PREFIX = {"month": "m", "week": "w", "half_month": "h", "quarter": "q"}
EVERY_WORDS = {"month": "每月", "week": "每周", "half_month": "每半月", "quarter": "每季度"}


def lay_out(
    facts: Facts,
    units: UnitsDraft,
    campaign_id: str,
    id_guess: str | None,
    source_name: str | None,
    forms: dict[str, str],
) -> tuple[Doc, list[tuple[str, list[Due]]]]:
    """The YAML document and, per round, its title and deliverables (for the summary)."""
    doc = Doc()
    domain = f"{campaign_id}.example.invalid"
    authority = facts.authority.value if facts.authority else "发文机关（待补充）"
    doc.comment(f"由 campaign-ops draft 从通知起草：{source_name or '（粘贴的文字）'}")
    doc.comment(
        f"每个值上方的“原文”是它所依据的通知原句；标有“{TO_VERIFY}”的各项请对照通知核实后再启用。"
    )
    doc.comment("邮箱一律使用保留域名 example.invalid，任何邮件都不会误发到真实邮箱。")
    doc.field("id", campaign_id, guess=id_guess)
    t = facts.title
    doc.field(
        "title",
        t.value if t else "专项行动（待补充标题）",
        sentence=_q(t),
        guess=_g(t, "通知中找不到标题"),
    )
    a = facts.authority
    doc.field("authority", authority, sentence=_q(a), guess=_g(a, "通知中找不到发文机关"))
    n = facts.number
    if n:
        doc.field("document_number", n.value, sentence=n.sentence)
    else:
        doc.comment("通知未印本文文号。")
        doc.lines.append("document_number: null")
    if facts.parent:
        doc.field(
            "parent_document", facts.parent.value, sentence=quote(facts.parent.sentence, "《")
        )
    i = facts.issued
    doc.field("issued_on", i.value, sentence=quote(i.sentence), guess=i.guess)
    doc.lines.append("timezone: Asia/Shanghai")
    if source_name:
        doc.lines.append(f"source: {source_name}")
    doc.lines.append("sender:")
    doc.field("sender.name", authority, 2)
    doc.field("sender.email", f"office@{domain}", 2, guess="发件人：" + PLACEHOLDER)
    _ops(doc, facts, domain)
    _contacts(doc, facts)
    doc.blank()
    _units(doc, units, domain)
    doc.blank()
    _phases(doc, facts)
    doc.blank()
    rounds = _rounds(doc, facts, FormMatcher(facts.attachments, campaign_id, forms), forms)
    doc.blank()
    doc.lines.append("reports:")
    doc.lines.append("  recipients:")
    doc.item(
        "reports.recipients[0]",
        {"name": f"{authority}承办科室", "email": f"reports@{domain}", "role": "ops"},
        4,
        guess="汇总报告收件人：" + PLACEHOLDER,
    )
    doc.blank()
    doc.lines += ["drop_zone:", "  kind: folder", f"  path: {campaign_id}", "  layout: per_unit"]
    return doc, rounds


def _q(got) -> str | None:
    """The sentence of a value, shortened around the value's own words."""
    if not got or not got.sentence:
        return None
    words = re.findall(r"《[^》]+》|[^《》（）()]{4,}", str(got.value))
    return quote(got.sentence, words[0] if words else None)


def _g(got, missing: str) -> str | None:
    return got.guess if got else missing + "，请补上"


def _ops(doc: Doc, facts: Facts, domain: str) -> None:
    doc.lines.append("ops:")
    own = [c for c in facts.contacts if not c.department or "市场监" in c.department]
    names = [c.name for c in own or facts.contacts[:1]][:3] or [
        f"{facts.authority.value if facts.authority else ''}工作人员"
    ]
    for k, name in enumerate(names):
        who = "姓名取通知联系人；" if facts.contacts else ""
        why = f"市局工作人员（接收每日汇总和任务失败提醒）：{who}{PLACEHOLDER}"
        doc.item(
            f"ops[{k}]",
            {"name": name, "email": f"ops{k + 1}@{domain}", "role": "ops"},
            2,
            guess=why if k == 0 else None,
        )


def _contacts(doc: Doc, facts: Facts) -> None:
    if not facts.contacts:
        doc.comment("通知未列联系人和联系方式。")
        doc.lines.append("circular_contacts: []")
        return
    doc.comment("通知所列联系人：只作记录，系统不向这些地址发邮件。")
    doc.lines.append("circular_contacts:")
    for k, c in enumerate(facts.contacts):
        entry = {"name": c.name, "department": c.department, "phone": c.phone, "email": c.email}
        first = k == 0
        doc.item(
            f"circular_contacts[{k}]",
            entry,
            2,
            sentence=facts.contacts_text if first else None,
            guess=facts.contacts_guess if first else None,
        )


def _units(doc: Doc, units: UnitsDraft, domain: str) -> None:
    said = quote(units.sentence, "各") if units.sentence else None
    if units.roster:
        ref: dict = {"roster": units.roster}
        if units.levels:
            ref["levels"] = list(units.levels)
        doc.notes(0, said, units.guess)
        book = f"单位名册 include/rosters/{units.roster}.yaml，{units.count}个单位"
        doc.lines.append(f"units_from: {flow(ref)}  # {book}")
        doc.record("units_from", flow(ref), said or "", units.guess)
        return
    doc.notes(0, said, units.guess)
    doc.lines += [
        "units:",
        "  - code: unit-1",
        "    name: 报送单位（待补充）",
        "    short_name: 报送单位",
        f"    level: {units.placeholder_level}",
        "    contacts:",
        f"      - {{name: 报送单位联系人, email: unit-1@{domain}}}",
    ]
    doc.record("units[0]", "unit-1", said or "", units.guess)


def _phases(doc: Doc, facts: Facts) -> None:
    doc.lines.append("phases:")
    used: set[str] = set()
    for k, p in enumerate(facts.phases):
        pid = phase_id(p.name, k, p.kind)
        while pid in used:
            pid += "x"
        used.add(pid)
        doc.notes(2, quote(p.sentence, p.name) if p.sentence else None, p.guess)
        doc.lines.append(f"  - id: {pid}")
        doc.lines.append(f"    name: {scalar(p.name)}")
        if p.kind == "stage":
            doc.lines.append("    kind: stage")
        doc.lines.append(f"    start: {p.start.isoformat()}")
        doc.lines.append(f"    end: {p.end.isoformat()}")
        for part, value in (("start", p.start), ("end", p.end)):
            doc.record(f"phases[{k}].{part}", value, quote(p.sentence, p.name), p.guess)


def _label(due: Due, forms: dict[str, str]) -> str:
    if due.form:
        return forms.get(due.form, due.form)
    return due.title or DELIVERABLE_LABELS[DeliverableKind(due.kind)]


def _title(dues: list[Due], forms: dict[str, str], when: str) -> str:
    """阶段性工作进展情况、典型案例及统计表（5月10日前）: several forms read as one 统计表."""
    tables = [d for d in dues if d.kind == "statistics"]
    names = [_label(d, forms) for d in dues if d.kind != "statistics" or len(tables) == 1]
    if len(tables) > 1:
        names.insert(next(k for k, d in enumerate(dues) if d.kind == "statistics"), "统计表")
    joined = names[0] if len(names) == 1 else "、".join(names[:-1]) + "及" + names[-1]
    return f"{joined}（{when}）" if when else joined


def _rounds(
    doc: Doc, facts: Facts, matcher: FormMatcher, forms: dict[str, str]
) -> list[tuple[str, list[Due]]]:
    items = [r.items for r in facts.rounds] + [r.items for r in facts.rules]
    lists = with_unnamed_tables([deliverables(i, matcher) for i in items], matcher)
    doc.lines.append("rounds:")
    if facts.placeholder_round:
        doc.comment(f"{TO_VERIFY}：{facts.placeholder_round}", 2)
    for sentence in facts.unread:
        why = "这句要求报送，但时限未能识别，请按原文补写一个轮次（或 every 周期规则）"
        doc.notes(2, quote(sentence), why)
        doc.record("rounds", "", quote(sentence), why)
    out: list[tuple[str, list[Due]]] = []
    start, end = facts.phases[0].start, facts.phases[-1].end
    issued_year = facts.issued.value.year
    for k, (r, dues) in enumerate(zip(facts.rounds, lists[: len(facts.rounds)], strict=True)):
        when = _when(r.deadline, issued_year) if r.said or facts.placeholder_round else ""
        title = _title(dues, forms, when)
        doc.notes(2, quote(r.sentence, r.said) if r.sentence else None, None)
        doc.lines.append(f"  - id: r{k + 1}")
        doc.lines.append(f"    title: {scalar(title)}")
        doc.lines.append(f"    deadline: {r.deadline.isoformat()}")
        doc.record(
            f"rounds[{k}].deadline", r.deadline, quote(r.sentence, r.said), facts.placeholder_round
        )
        if r.time:
            doc.lines.append(f'    deadline_time: "{r.time}"')
        _deliverables(doc, f"rounds[{k}]", dues, r.sentence)
        out.append((title, dues))
    used: set[str] = set()
    for k, (rule, dues) in enumerate(zip(facts.rules, lists[len(facts.rounds) :], strict=True)):
        index = len(facts.rounds) + k
        out.append(_rule(doc, index, rule.rule, rule.sentence, dues, forms, used, start, end))
    return out


def _when(day: dt.date, issued_year: int) -> str:
    year = f"{day.year}年" if day.year != issued_year else ""
    return f"{year}{day.month}月{day.day}日前"


def _rule(
    doc: Doc,
    index: int,
    rule: Rule,
    sentence: str,
    dues: list[Due],
    forms: dict[str, str],
    used: set[str],
    start: dt.date,
    end: dt.date,
) -> tuple[str, list[Due]]:
    """One recurring round (every/days/time/from/until), its id prefix unique in the file."""
    prefix = RULE_PREFIX[rule.every]
    while prefix in used:
        prefix += RULE_PREFIX[rule.every]
    used.add(prefix)
    title = _title(dues, forms, "")
    doc.notes(2, quote(sentence, rule.text), rule.guess)
    doc.lines.append(f"  - every: {rule.every}")
    doc.lines.append(f"    id: {prefix}")
    doc.lines.append(f"    title: {scalar(title)}")
    days = ", ".join(f'"{d}"' if d == "last" else str(d) for d in rule.days)
    doc.lines.append(f"    days: [{days}]")
    if rule.time:
        doc.lines.append(f'    time: "{rule.time}"')
    if rule.covers == "previous":
        doc.lines.append("    covers: previous  # 报上一期（上月/上季度/上周）")
    doc.comment("按周期报送的起止：行动期间（阶段的起止日期）", 4)
    doc.lines.append(f"    from: {start.isoformat()}")
    doc.lines.append(f"    until: {end.isoformat()}")
    doc.record(
        f"rounds[{index}].every",
        f"{EVERY_WORDS[rule.every]}（{rule.text}）",
        quote(sentence, rule.text),
        rule.guess,
    )
    _deliverables(doc, f"rounds[{index}]", dues, sentence)
    return f"{EVERY_WORDS[rule.every]}：{title}", dues


def _deliverables(doc: Doc, path: str, dues: list[Due], sentence: str) -> None:
    doc.lines.append("    deliverables:")
    for j, d in enumerate(dues):
        entry = {"kind": d.kind, "form": d.form, "title": d.title}
        doc.item(f"{path}.deliverables[{j}]", entry, 6, guess=d.guess, tail=d.note)
