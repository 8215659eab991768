"""Find a form's table in a sheet by its labels, never by fixed cell positions.

Counties insert blank rows, add notes under the table, put the title in a different row,
merge header cells, retype headers with the unit in brackets or on a second line. What stays
put is the wording: column labels (leaf headers, unique within a form) and row labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from campaign_ops.forms.cleaning import is_blank, norm_label
from campaign_ops.forms.reader import Grid
from campaign_ops.forms.spec import FormSpec, Layout

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
    header_top: int = 1
    rows: list[tuple[str, int, str]] = field(default_factory=list)  # (row key, excel row, label)
    total_row: int | None = None
    extra_rows: list[tuple[int, str]] = field(default_factory=list)  # unknown rows with data
    duplicate_rows: list[tuple[str, int]] = field(default_factory=list)
    too_many_rows: bool = False
    plan: list | None = None  # the parser's per-column reading plan, built once per table

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
    top = min(
        (r for key, places in hits.items() for r, c in places if columns.get(key) == c),
        default=main,
    )
    return TableMatch(grid=grid, columns=columns, header_bottom=bottom, header_top=top)


def find_rows(match: TableMatch, form: FormSpec) -> TableMatch:
    """Fill in the table's rows below the header (fixed labels, or every filled list row)."""
    if form.layout == Layout.fixed:
        return _fixed_rows(match, form)
    return _list_rows(match, form)


def _first_texts(line: list, label_cols: list[int]) -> list[tuple[str, str]]:
    """(text, normalised) of the filled label cells of a row, left to right."""
    width = len(line)
    out = []
    for c in label_cols:
        v = line[c - 1] if c <= width else None
        if v.__class__ is str:
            t = v.strip()
            if t:
                out.append((t, norm_label(t)))
    return out


def _has_data(line: list, data_cols: list[int]) -> bool:
    width = len(line)
    for c in data_cols:
        if c <= width:
            v = line[c - 1]
            if v is not None and v != "":
                return True
    return False


def _fixed_rows(match: TableMatch, form: FormSpec) -> TableMatch:
    cells = match.grid.cells
    data_cols = sorted(match.columns.values())
    label_cols = list(range(1, min(data_cols)))
    names = form.row_lookup
    total_key = form.total_row.key if form.total_row else None
    seen: set[str] = set()
    for r in range(match.header_bottom + 1, len(cells) + 1):
        line = cells[r - 1]
        texts = _first_texts(line, label_cols)
        if texts and texts[0][1].startswith(STOP_WORDS):
            break
        key = next((names[n] for _, n in texts if n in names), None)
        if key is None:
            if _has_data(line, data_cols):
                match.extra_rows.append((r, texts[0][0] if texts else ""))
            continue
        if key in seen:
            match.duplicate_rows.append((key, r))
            continue
        seen.add(key)
        if key == total_key:
            match.total_row = r
        else:
            match.rows.append((key, r, form.row_label(key)))
    return match


def _list_rows(match: TableMatch, form: FormSpec) -> TableMatch:
    """Any row with data is a case; the 合计 row (or the notes under the table) ends the list."""
    cells = match.grid.cells
    data_cols = sorted(match.columns.values())
    label_cols = list(range(1, min(data_cols)))
    total_names = {norm_label(n) for n in form.total_row.names} if form.total_row else set()
    count = 0
    for r in range(match.header_bottom + 1, len(cells) + 1):
        line = cells[r - 1]
        texts = _first_texts(line, label_cols)
        if texts and texts[0][1].startswith(STOP_WORDS):
            break
        first = line[data_cols[0] - 1] if data_cols[0] <= len(line) else None
        if any(n in total_names for _, n in texts) or (
            not texts and norm_label(first) in total_names
        ):
            match.total_row = r
            break
        if not _has_data(line, data_cols):
            continue
        count += 1
        if count > form.max_rows:
            match.too_many_rows = True
            break
        seq = line[label_cols[0] - 1] if label_cols and label_cols[0] <= len(line) else None
        shown = f"第{count}条" if is_blank(seq) else f"序号{_seq_text(seq)}"
        match.rows.append((f"r{count}", r, shown))
    return match


def _seq_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def find_reporting_unit(grid: Grid, header_top: int = HEADER_SCAN_ROWS) -> str | None:
    """The text after “填报单位” (same cell after the colon, or the next filled cell), looked
    for above the table's header and in the last rows of the sheet."""
    for line in grid.cells[: min(header_top, HEADER_SCAN_ROWS)] + grid.cells[-10:]:
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
