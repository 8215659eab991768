"""Parse what counties really send into the form's shape, or refuse it with a reason.

Order of work: byte-level safety checks (``safety``) → grids (``reader``) → identity from the
hidden metadata sheet → the table located by its labels (``locate``) → cell values cleaned
(``values``). Nothing here judges the numbers; ``validate`` does that for a whole batch.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from campaign_ops.forms.cleaning import is_blank, to_date, to_number, to_text
from campaign_ops.forms.derived import recompute_derived
from campaign_ops.forms.findings import Finding
from campaign_ops.forms.formulas import column_letter
from campaign_ops.forms.layout import META_MARKER, META_SHEET
from campaign_ops.forms.locate import TableMatch, find_header, find_reporting_unit, find_rows
from campaign_ops.forms.reader import Grid, Uncomputed, read_grids
from campaign_ops.forms.safety import ASK_RESAVE, inspect_file
from campaign_ops.forms.spec import Column, ColumnType, FormSpec, Layout, all_forms, load_form
from campaign_ops.forms.submission import Identity, ParsedRow, ParsedSubmission, Refusal


def parse_file(
    path: str | Path,
    form: FormSpec | str | None = None,
    *,
    candidates: Sequence[FormSpec | str] | None = None,
    file_key: str | None = None,
    data: bytes | None = None,
) -> ParsedSubmission:
    """Read one submitted file; raise ``Refusal`` when it cannot or must not be read.

    ``form`` is the form the file must be (the round's deliverable); without it the form is
    taken from the template's metadata sheet, else the best label match among
    ``candidates`` (default: every form spec). With ``data`` the bytes already read (and
    archived) are parsed and ``path`` only names the file.
    """
    path = Path(path)
    expected = load_form(form) if isinstance(form, str) else form
    inspection = inspect_file(path, data)
    grids = read_grids(path, inspection)
    identity = read_identity(grids)
    tables = [g for g in grids if g.name != META_SHEET]
    spec = _choose_form(path, identity, expected, candidates or (), tables)
    if inspection.kind == "csv" and not spec.accept_csv:
        raise Refusal("unsupported", f"《{spec.title}》不接受 CSV 文件，{ASK_RESAVE}。", path)
    match = _best_match(spec, tables)
    if match is None:
        raise _not_the_form(path, spec)
    sub = _build(path, spec, match, identity, file_key)
    if identity and spec.layout == Layout.fixed and _untouched(sub):
        who = identity.unit_name or identity.unit or ""
        raise Refusal(
            "empty",
            f"这是尚未填写的《{spec.title}》模板（{who} {identity.round or ''}），"
            "表中没有任何数据。"
            "请填写后再报送；没有发生的事项请填 0。",
            path,
        )
    if inspection.has_macros:
        sub.notes.append(
            _note(
                sub, "macros", "文件含有宏（.xlsm）；系统只读取数据，不运行宏。今后请保存为 .xlsx。"
            )
        )
    return sub


def try_parse(
    path: str | Path, form: FormSpec | str | None = None, **kw: Any
) -> ParsedSubmission | Refusal:
    """Like ``parse_file`` but returns the ``Refusal`` instead of raising it."""
    try:
        return parse_file(path, form, **kw)
    except Refusal as refusal:
        return refusal


def _meta_text(pairs: dict[str, Any], key: str) -> str | None:
    value = pairs.get(key)
    return None if is_blank(value) else str(value).strip()


# ---- identity -----------------------------------------------------------------------------


def read_identity(grids: Iterable[Grid]) -> Identity | None:
    """Campaign, round, unit, form and version from the template's hidden metadata sheet."""
    for grid in grids:
        if grid.name != META_SHEET and grid.visible:
            continue
        pairs = {str(line[0]).strip(): line[1] for line in grid.cells if len(line) >= 2 and line[0]}
        if pairs.get("marker") != META_MARKER:
            continue
        text = partial(_meta_text, pairs)
        version, _ = to_number(pairs.get("form_version"))
        return Identity(
            campaign=text("campaign"),
            round=text("round"),
            unit=text("unit"),
            form=text("form"),
            form_version=int(version) if version is not None else None,
            unit_name=text("unit_name"),
        )
    return None


def _choose_form(
    path: Path,
    identity: Identity | None,
    expected: FormSpec | None,
    candidates: Sequence[FormSpec | str],
    grids: list[Grid],
) -> FormSpec:
    if identity and identity.form:
        if expected and identity.form != expected.id:
            try:
                other = load_form(identity.form).title
            except KeyError:
                other = identity.form
            raise Refusal(
                "wrong_form",
                f"这是《{other}》的模板，这里需要报送的是《{expected.title}》。请使用下发的《{expected.title}》模板填写后重新报送。",
                path,
            )
        if expected:
            return expected
        try:
            return load_form(identity.form)
        except KeyError:
            pass
    if expected:
        return expected
    pool = [load_form(f) if isinstance(f, str) else f for f in candidates]  # only now needed
    return _guess(path, pool or all_forms(), grids)


def _guess(path: Path, pool: list[FormSpec], grids: list[Grid]) -> FormSpec:
    """Without metadata: the form whose column labels the file matches best."""
    best: tuple[float, FormSpec | None] = (0.0, None)
    for spec in pool:
        scores = [m.score for g in grids if (m := find_header(g, spec))]
        score = max(scores, default=0) / len(spec.columns)
        if score > best[0]:
            best = (score, spec)
    if best[1] is None or best[0] < 0.5:
        titles = "、".join(f"《{f.title}》" for f in pool)
        raise Refusal(
            "not_the_form",
            f"文件中找不到统计表的表头，不是要求报送的表格（应为 {titles} 之一）。"
            f"{ASK_RESAVE}，不要改动表头文字。",
            path,
        )
    return best[1]


def _best_match(spec: FormSpec, grids: list[Grid]) -> TableMatch | None:
    """The sheet holding the table: most labels found, visible sheets first."""
    best: TableMatch | None = None
    for grid in sorted(grids, key=lambda g: not g.visible):  # visible sheets first
        m = find_header(grid, spec)
        if m and (best is None or m.score > best.score):
            best = m
        if best and best.score == len(spec.columns):
            break  # a complete header: no need to read the other sheets
    if best is None:
        return None
    if best.score < max(2, len(spec.columns) // 2 + 1) and best.score < len(spec.columns):
        return None
    return find_rows(best, spec)


def _not_the_form(path: Path, spec: FormSpec) -> Refusal:
    labels = "、".join(c.label for c in spec.columns[:6])
    return Refusal(
        "not_the_form",
        f"文件中找不到《{spec.title}》的表头（应有“{labels}”等栏目），可能报错了表格或改动了表头。"
        f"请使用下发的《{spec.title}》模板填写后重新报送。",
        path,
    )


# ---- values -------------------------------------------------------------------------------


def _build(
    path: Path, spec: FormSpec, match: TableMatch, identity: Identity | None, file_key: str | None
) -> ParsedSubmission:
    grid = match.grid
    rows: list[ParsedRow] = []
    found = {key: (r, label) for key, r, label in match.rows}
    if spec.layout == Layout.fixed:
        order = [(x.key, *found.get(x.key, (None, x.label))) for x in spec.rows]
    else:
        order = [(key, r, label) for key, r, label in match.rows]
    for key, r, label in order:
        rows.append(_read_row(grid, spec, match, key, r, label))
    if spec.total_row and match.total_row:
        total = _read_row(
            grid, spec, match, spec.total_row.key, match.total_row, spec.total_row.label
        )
        total.is_total = True
        # text columns have no total; choice/date/text cells in a 合计 row are ignored
        total.values = {k: v for k, v in total.values.items() if spec.columns_by_key[k].numeric}
        total.bad = {k: v for k, v in total.bad.items() if spec.columns_by_key[k].numeric}
        rows.append(total)
    sub = ParsedSubmission(
        path=path,
        form=spec,
        sheet=grid.name,
        rows=rows,
        identity=identity,
        reporting_unit=find_reporting_unit(grid, match.header_top),
        file_key=file_key or str(path),
    )
    sub.notes += recompute_derived(sub, match)  # formula cells: worked out, never typed
    _structure_notes(sub, match, found)
    return sub


def _read_row(
    grid: Grid, spec: FormSpec, match: TableMatch, key: str, r: int | None, label: str
) -> ParsedRow:
    row = ParsedRow(key=key, label=label, excel_row=r)
    cells = grid.cells
    line = cells[r - 1] if r is not None and 1 <= r <= len(cells) else None
    values, refs = row.values, row.cells
    if line is None:
        for col in spec.columns:
            values[col.key] = None
        return row
    width = len(line)
    for col, c, letter, integer in _plan(spec, match):
        if c is None:
            values[col.key] = None
            continue
        refs[col.key] = f"{letter}{r}"
        raw = line[c - 1] if c <= width else None
        cls = raw.__class__
        if integer is not None and cls is float and raw == raw:  # a plain number
            values[col.key] = int(raw) if integer and raw.is_integer() else raw
            continue
        if integer is not None and cls is str and raw:  # a number stored as text
            value, bad = _number(raw, col.unit, integer)
        else:
            value, bad = clean(col, raw)
        values[col.key] = value
        if bad is not None:
            row.bad[col.key] = bad
    return row


def _plan(spec: FormSpec, match: TableMatch) -> list[tuple[Column, int | None, str, bool | None]]:
    """Per column: (spec, sheet column, its letter, integer? — None for non-numbers)."""
    if match.plan is None:
        match.plan = [
            (
                col,
                match.columns.get(col.key),
                column_letter(match.columns.get(col.key) or 1),
                (col.type is ColumnType.integer) if col.numeric else None,
            )
            for col in spec.columns
        ]
    return match.plan


def clean(col: Column, raw: Any) -> tuple[Any, str | None]:
    """(value, problem text) for one cell according to its column's type."""
    if raw.__class__ is float and col.numeric:  # the common case: a real number
        if raw != raw:
            return None, None
        if col.type is ColumnType.integer and raw.is_integer():
            return int(raw), None
        return raw, None
    if raw == "" or raw is None:
        return None, None
    if isinstance(raw, Uncomputed):
        return None, f"公式 {raw} 没有计算结果"
    if col.numeric:
        return _number(raw, col.unit, col.type is ColumnType.integer)
    if col.type == ColumnType.date:
        return to_date(raw)
    text = to_text(raw)
    if text is not None and col.type == ColumnType.choice:
        text = _choice(col.choices, text)
    return text, None


@lru_cache(maxsize=4096)
def _choice(choices: tuple[str, ...], text: str) -> str:
    """The choice the unit meant (ignoring width, spaces and case), else the text as typed."""
    wanted = _squash(text)
    return next((c for c in choices if _squash(c) == wanted), text)


def _number(raw: Any, unit: str | None, integer: bool) -> tuple[Any, str | None]:
    """A number cell (also typed as text: ``１２``, ``1,200``, ``12件``, ``—``), as an int in
    whole-number columns."""
    value, bad = to_number(raw, unit)
    if value is not None and integer and value.is_integer():
        return int(value), None
    return value, bad


def _squash(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").lower()


def _untouched(sub: ParsedSubmission) -> bool:
    return all(v is None for r in sub.data_rows for v in r.values.values()) and not any(
        r.bad for r in sub.rows
    )


def _note(
    sub: ParsedSubmission, code: str, message: str, severity: str = "warning", **kw: Any
) -> Finding:
    return Finding(
        severity=severity, code=code, message=message, file=sub.file_name, sheet=sub.sheet, **kw
    )  # type: ignore[arg-type]


def _structure_notes(
    sub: ParsedSubmission, match: TableMatch, found: dict[str, tuple[int, str]]
) -> None:
    spec = sub.form
    missing_cols = [c for c in spec.columns if c.key not in match.columns]
    for col in missing_cols:
        sub.notes.append(
            _note(
                sub,
                "missing_column",
                f"表中找不到“{col.label}”栏。请使用下发的模板，不要删除或改动表头。",
                "error" if col.required else "warning",
                column_label=col.label,
                column_key=col.key,
            )
        )
    if spec.layout == Layout.fixed:
        for row in spec.rows:
            if row.key not in found:
                sub.notes.append(
                    _note(
                        sub,
                        "missing_row",
                        f"表中找不到“{row.label}”行。请使用下发的模板，不要删除或改动行名称。",
                        "error",
                        row_label=row.label,
                        row_key=row.key,
                    )
                )
    for r, label in match.extra_rows:
        sub.notes.append(
            _note(
                sub,
                "extra_row",
                f"第 {r} 行“{label or '（无行名称）'}”不是本表的统计项目，其中的数据没有导入。"
                "如需说明情况请写在表下备注中。",
                row_label=label or f"第{r}行",
            )
        )
    for key, r in match.duplicate_rows:
        sub.notes.append(
            _note(
                sub,
                "duplicate_row",
                f"“{spec.row_label(key)}”行出现了两次（第 {r} 行重复），"
                "只读取了第一次出现的行。请删除重复行。",
                "error",
                row_label=spec.row_label(key),
                row_key=key,
            )
        )
    if match.too_many_rows:
        sub.notes.append(
            _note(
                sub,
                "too_many_rows",
                f"表中超过 {spec.max_rows} 行，只读取了前 {spec.max_rows} 行。",
                "error",
            )
        )
    if not match.grid.visible:
        sub.notes.append(
            _note(
                sub,
                "hidden_sheet",
                f"表格在隐藏的工作表“{sub.sheet}”中，已读取。请确认报送的是正确的表。",
            )
        )
    if spec.layout == Layout.list and not sub.data_rows:
        sub.notes.append(
            _note(
                sub,
                "no_rows",
                "表中没有填写任何一行。如本期确无此类情况可忽略本提示，否则请填写后重新报送。",
            )
        )
    ident = sub.identity
    if ident and ident.form_version is not None and ident.form_version != spec.version:
        sub.notes.append(
            _note(
                sub,
                "old_version",
                f"模板是第 {ident.form_version} 版，现行为第 {spec.version} 版。"
                "本次按表头读取；下次请使用新下发的模板。",
            )
        )
