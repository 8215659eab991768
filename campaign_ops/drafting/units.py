"""The reporting units of a drafted campaign: from a roster by the levels the circular
addresses (各县（市、区）局 → county, district, zone), or a placeholder unit when no roster is
given, so the draft still lints and says what to fill in.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaign_ops.rosters import levels_in, load_roster


@dataclass(frozen=True)
class UnitsDraft:
    """``units_from`` (roster, levels) or one placeholder unit, with its sentence and guess."""

    roster: str | None
    levels: tuple[str, ...] | None
    placeholder_level: str
    count: int
    sentence: str
    guess: str | None


def draft_units(addressed: str, roster: str | None) -> UnitsDraft:
    """The units the circular goes to. ``addressed`` is the 主送 line and the sentences that
    ask units to act ("请各县（市、区）局于…报送")."""
    levels = tuple(str(level) for level in levels_in(addressed))
    if roster is None:
        why = (
            "未指定单位名册，暂列一个占位单位；请用 --roster 指定名册重新起草，"
            "或改为 units_from: {roster: 名册编号}（名册在 include/rosters/）"
        )
        return UnitsDraft(None, None, levels[0] if levels else "county", 1, addressed, why)
    book = load_roster(roster)
    chosen = book.units_at(tuple(levels)) if levels else []  # type: ignore[arg-type]
    if levels and chosen:
        return UnitsDraft(roster, levels, "", len(chosen), addressed, None)
    if levels:
        why = f"名册 {roster} 中没有这些层级（{'、'.join(levels)}）的单位，暂取名册全部单位"
    else:
        why = f"通知的主送对象未对应到名册层级，暂取名册 {roster} 的全部单位"
    return UnitsDraft(roster, None, "", len(book.units), addressed, why)
