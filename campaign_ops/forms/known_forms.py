"""What the forms already in the folder tell a drafted one: the keys their labels have (立案
is ``filed`` in a new form as in the old ones, so the warehouse and exports line up) and
whether the bureau's table is one of them already."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from campaign_ops.forms.cleaning import norm_label
from campaign_ops.forms.spec import FormSpec

if TYPE_CHECKING:
    from campaign_ops.forms.from_xlsx import Draft

SIMILAR = 0.8  # share of row and column labels that makes two forms “the same table”


def house_forms(directory: Path | None = None) -> list[FormSpec]:
    """The forms already in the forms folder; none when one of them is broken (a broken
    form elsewhere must not stop drafting a new one)."""
    from campaign_ops.forms.spec import all_forms

    try:
        return all_forms(directory)
    except Exception:  # FormFileError, or a folder that is not there
        return []


def house_keys(forms: list[FormSpec]) -> dict[str, str]:
    """Normalised label → key, from every row and column of ``forms``."""
    out: dict[str, str] = {}
    for f in forms:
        for item in (*f.columns, *f.rows):
            for name in item.names:
                out.setdefault(norm_label(name), item.key)
    return out


def similar_forms(d: Draft, forms: list[FormSpec]) -> None:
    """Mark an existing form with (nearly) the same rows and columns: the round may simply
    ask for that form instead of a new one."""
    mine = {norm_label(x["label"]) for x in (*d.spec["columns"], *d.spec.get("rows", ()))}
    for f in forms:
        theirs = {norm_label(x.label) for x in (*f.columns, *f.rows)}
        share = len(mine & theirs) / max(len(mine | theirs), 1)
        if share >= SIMILAR and f.id != d.spec["id"]:
            d.mark(
                ("id",),
                f"与已有表单 {f.id}《{f.title}》的行和列 {share:.0%} 相同："
                "若是同一张表，轮次里直接引用它即可，不必新建",
            )
    if ("id",) in d.marks:  # the first thing to read
        d.marks = {("id",): d.marks.pop(("id",)), **d.marks}


def key_for(label: str, known: dict[str, str], prefix: str, n: int, taken: list[dict]) -> str:
    """The key ``label`` has in another form, else ``<prefix><n>``; unique among ``taken``."""
    key = known.get(norm_label(label)) or f"{prefix}{n}"
    used = {x["key"] for x in taken}
    base, i = key, 2
    while key in used:
        key, i = f"{base}_{i}", i + 1
    return key
