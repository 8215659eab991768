"""Where things sit in a generated template: shared by the template writer and the tests.

The parser never uses these positions (it finds the table by its labels); they only keep the
writer readable and let tests fill a template the way a person would.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from campaign_ops.forms.spec import FormSpec, Layout

TITLE_ROW = 1
UNIT_ROW = 2
ROUND_ROW = 3
HEADER_ROW = 4
META_SHEET = "_campaign_ops"
META_MARKER = "campaign-ops 模板信息（系统使用，请勿修改）"
INSTRUCTIONS_SHEET = "填表说明"
UNIT_OF_MEASURE = "计量单位"


@dataclass(frozen=True)
class TemplateLayout:
    """Cell positions of one form's template (1-based rows and columns, as in Excel)."""

    form: FormSpec

    @property
    def header_rows(self) -> int:
        return 2 if self.form.groups else 1

    @property
    def first_data_row(self) -> int:
        return HEADER_ROW + self.header_rows

    @property
    def row_keys(self) -> list[str]:
        """Keys of the input rows in order (list layout: r1, r2, …)."""
        if self.form.layout == Layout.fixed:
            return [r.key for r in self.form.rows]
        return [f"r{i}" for i in range(1, self.form.template_rows + 1)]

    @property
    def total_row(self) -> int | None:
        if not self.form.total_row:
            return None
        return self.first_data_row + len(self.row_keys)

    @property
    def last_table_row(self) -> int:
        return self.total_row or self.first_data_row + len(self.row_keys) - 1

    @property
    def first_data_col(self) -> int:
        return 3 if self.form.row_units else 2

    @property
    def width(self) -> int:
        return self.first_data_col + len(self.form.columns) - 1

    def col(self, key: str) -> int:
        return self.first_data_col + [c.key for c in self.form.columns].index(key)

    def row(self, key: str) -> int:
        if self.form.total_row and key == self.form.total_row.key:
            return self.total_row or 0
        return self.first_data_row + self.row_keys.index(key)

    def cell(self, row_key: str, col_key: str) -> str:
        """A1 reference of an input cell, e.g. ``cell("medical", "filed") == "C6"``."""
        return f"{get_column_letter(self.col(col_key))}{self.row(row_key)}"
