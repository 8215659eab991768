"""Who sent a file: the template's metadata and the 填报单位 text, checked against a campaign."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from campaign_ops.forms.findings import Finding
from campaign_ops.forms.submission import ParsedSubmission

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign, Unit


def _squash(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"[\s（(]*盖章[）)]*", "", text)
    return re.sub(r"\s+", "", text)


def match_unit(campaign: Campaign, text: str | None) -> Unit | None:
    """The unit whose name, short name or alias is ``text`` (spaces and 盖章 ignored)."""
    if not text:
        return None
    wanted = _squash(text)
    for unit in campaign.units:
        if wanted in {_squash(n) for n in unit.names}:
            return unit
    return None


def identify(
    sub: ParsedSubmission, campaign: Campaign, round_id: str | None = None
) -> tuple[str | None, list[Finding]]:
    """(unit code or None, findings) for a parsed file that claims to belong to ``campaign``."""
    found: list[Finding] = []

    def error(code: str, message: str, severity: str = "error") -> None:
        found.append(
            Finding(
                severity=severity,
                code=code,
                message=message,
                file=sub.file_name,  # type: ignore[arg-type]
                sheet=sub.sheet,
            )
        )

    ident = sub.identity
    if ident and ident.campaign and ident.campaign != campaign.id:
        error(
            "wrong_campaign",
            f"这是其他专项行动（{ident.campaign}）的模板，不是“{campaign.display_title}”的。"
            "请使用本次行动下发的模板。",
        )
    rounds = {r.id: r for r in campaign.rounds}
    same_campaign = not (ident and ident.campaign and ident.campaign != campaign.id)
    if ident and ident.round and same_campaign:
        if ident.round not in rounds:
            error(
                "wrong_round",
                f"模板所属的报送轮次 {ident.round} 不在本次行动中，请使用本轮下发的模板。",
            )
        elif round_id and ident.round != round_id:
            error(
                "wrong_round",
                f"这是“{rounds[ident.round].title}”的模板，本次应报送“{rounds[round_id].title}”。"
                "请使用本轮下发的模板，或确认报送的是否为本轮数据。",
            )
    if sub.form.id not in campaign.forms:
        error("wrong_form", f"本次行动不需要报送《{sub.form.title}》。")
    elif round_id and round_id in rounds and sub.form.id not in rounds[round_id].forms:
        error(
            "wrong_form", f"“{rounds[round_id].title}”不需要报送《{sub.form.title}》。", "warning"
        )
    by_meta = campaign.units_by_code.get(ident.unit) if ident and ident.unit else None
    by_text = match_unit(campaign, sub.reporting_unit)
    if by_meta and sub.reporting_unit and by_text and by_text.code != by_meta.code:
        error(
            "unit_mismatch",
            f"模板是为“{by_meta.name}”生成的，但填报单位写的是“{sub.reporting_unit}”。"
            "请确认没有用错其他单位的模板。",
            "warning",
        )
    unit = by_meta or by_text
    if unit is None:
        shown = f"“{sub.reporting_unit}”" if sub.reporting_unit else "（未填写）"
        names = "、".join(u.name for u in campaign.units[:3])
        error(
            "unknown_unit",
            f"无法识别填报单位{shown}。请在“填报单位”处填写单位全称（如 {names} 等），"
            "或使用下发给本单位的模板。",
        )
    return (unit.code if unit else None), found
