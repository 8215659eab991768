"""Find a form's table in a sheet by its labels, never by fixed cell positions.

Counties insert blank rows, add notes under the table, put the title in a different row,
merge header cells, retype headers with the unit in brackets or on a second line. What stays
put is the wording: column labels (leaf headers, unique within a form) and row labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from campaign_ops.forms.reader import Grid
from campaign_ops.forms.spec import FormSpec, Layout
from campaign_ops.forms.values import is_blank, norm_label

HEADER_SCAN_ROWS = 60
STOP_WORDS = (
    "填表说明",
    "说明",
    "注",
    "备注",
    "填报人",
    "审核人",
    "负责人",
    "联系电话",
    "填表人",
    "制表人",
)


@dataclass
class TableMatch:
    """Where a form's table sits in a grid (1-based Excel rows and columns)."""

    grid: Grid
    columns: dict[str, int]  # column key → column index
    header_bottom: int
    rows: list[tuple[str, int, str]] = field(default_factory=list)  # (row key, excel row, label)
    total_row: int | None = None
    extra_rows: list[tuple[int, str]] = field(default_factory=list)  # unknown rows with data
    duplicate_rows: list[tuple[str, int]] = field(default_factory=list)
    too_many_rows: bool = False

    @property
    def score(self) -> int:
        return len(self.columns)


def _lookup(names: dict[str, str], text: object) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    return names.get(norm_label(text))


def column_names(form: FormSpec) -> dict[str, str]:
    return form.column_lookup


def row_names(form: FormSpec) -> dict[str, str]:
    return form.row_lookup


def find_header(grid: Grid, form: FormSpec) -> TableMatch | None:
    """Locate the header: the band of rows holding the most of the form's column labels."""
    names = column_names(form)
    wanted = len(form.columns)
    hits: dict[str, list[tuple[int, int]]] = {}
    per_row: dict[int, int] = {}
    last = 0
    for r, line in enumerate(grid.cells[:HEADER_SCAN_ROWS], start=1):
        if len(hits) == wanted and r > last + 3:
            break  # every label found and the header band is over
        for c, value in enumerate(line, start=1):
            if value.__class__ is not str or not value:
                continue
            key = names.get(norm_label(value))
            if key:
                hits.setdefault(key, []).append((r, c))
                per_row[r] = per_row.get(r, 0) + 1
                last = r
    if not hits:
        return None
    main = max(per_row, key=lambda r: (per_row[r], -r))
    columns: dict[str, int] = {}
    bottom = main
    for key, places in hits.items():
        near = [p for p in places if abs(p[0] - main) <= 3] or places
        r, c = near[0]
        if c not in columns.values():
            columns[key] = c
            bottom = max(bottom, r)
    return TableMatch(grid=grid, columns=columns, header_bottom=bottom)


def find_rows(match: TableMatch, form: FormSpec) -> TableMatch:
    """Fill in the table's rows below the header (fixed labels, or every filled list row)."""
    cells = match.grid.cells
    data_cols = sorted(match.columns.values())
    label_cols = list(range(1, min(data_cols)))
    names = row_names(form)
    seen: set[str] = set()
    total_names = {norm_label(n) for n in form.total_row.names} if form.total_row else set()
    total_key = form.total_row.key if form.total_row else None
    fixed = form.layout == Layout.fixed
    count = 0
    for r in range(match.header_bottom + 1, len(cells) + 1):
        line = cells[r - 1]
        width = len(line)
        labels = [line[c - 1] if c <= width else None for c in label_cols]
        texts = [v.strip() for v in labels if v.__class__ is str and v.strip()]
        has_data = any(
            c <= width and line[c - 1] is not None and line[c - 1] != "" for c in data_cols
        )
        normed = [norm_label(t) for t in texts]
        if normed and normed[0].startswith(STOP_WORDS):
            break
        if fixed:
            key = next((names[n] for n in normed if n in names), None)
            if key is None:
                if has_data:
                    match.extra_rows.append((r, texts[0] if texts else ""))
                continue
            if key in seen:
                match.duplicate_rows.append((key, r))
                continue
            seen.add(key)
            if key == total_key:
                match.total_row = r
            else:
                match.rows.append((key, r, form.row_label(key)))
            continue
        # list layout: any row with data is a case; the 合计 row closes the list
        first = line[data_cols[0] - 1] if data_cols[0] <= width else None
        if any(n in total_names for n in normed) or (
            not texts and norm_label(first) in total_names
        ):
            match.total_row = r
            break
        if not has_data:
            continue
        count += 1
        if count > form.max_rows:
            match.too_many_rows = True
            break
        seq = labels[0] if labels and not is_blank(labels[0]) else None
        shown = f"第{count}条" if seq is None else f"序号{_seq_text(seq)}"
        match.rows.append((f"r{count}", r, shown))
    return match


def _seq_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def find_reporting_unit(grid: Grid) -> str | None:
    """The text after “填报单位” (same cell after the colon, or the next filled cell)."""
    for line in grid.cells[:HEADER_SCAN_ROWS] + grid.cells[-10:]:
        for c, value in enumerate(line):
            if value.__class__ is not str or "单位" not in value:
                continue
            text = value.strip().replace(" ", "").replace("\u3000", "")
            if not text.startswith(("填报单位", "填表单位", "报送单位")):
                continue
            rest = text[4:]
            for mark in ("（盖章）", "(盖章)", "盖章"):
                rest = rest.replace(mark, "")
            rest = rest.strip(":：")
            if rest:
                return rest.strip()
            for other in line[c + 1 :]:
                if isinstance(other, str) and other.strip() and "盖章" not in other:
                    return other.strip()
            return None
    return None
