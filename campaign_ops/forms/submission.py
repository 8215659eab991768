"""What the parser hands on: a parsed submission, or a refusal with a Chinese message.

The intake side stores ``ParsedSubmission.long()`` (row key, column key, value) in the
warehouse and keeps ``Refusal.to_dict()`` with the archived file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from campaign_ops.forms.findings import Finding
    from campaign_ops.forms.spec import FormSpec


# Machine codes of refusals; the message always says what the unit should do.
REFUSAL_CODES = {
    "not_ready": "文件为空或不完整（可能仍在复制中）",
    "empty": "模板尚未填写",
    "encrypted": "文件设置了打开密码",
    "legacy_xls": "旧版 .xls 格式",
    "zip_bomb": "压缩内容异常（疑似压缩炸弹）",
    "unsafe_xml": "含有不安全的 XML 实体定义",
    "too_large": "文件或表格尺寸超出限制",
    "unsupported": "不支持的文件格式",
    "not_the_form": "不是本表单",
    "wrong_form": "不是要求报送的表单",
}


class Refusal(Exception):
    """A file we will not read. ``code`` is for machines, ``message`` for the unit."""

    def __init__(self, code: str, message: str, file: str | Path | None = None):
        assert code in REFUSAL_CODES, code
        self.code = code
        self.message = message
        self.file = str(file) if file is not None else None
        super().__init__(message)

    def __reduce__(self) -> tuple:  # picklable across the parser pool's processes
        return (Refusal, (self.code, self.message, self.file))

    @property
    def retry_later(self) -> bool:
        """A half-copied file is not the unit's mistake: look at it again on the next scan."""
        return self.code == "not_ready"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "code": self.code,
            "reason": REFUSAL_CODES[self.code],
            "message": self.message,
            "retry_later": self.retry_later,
        }


@dataclass(frozen=True)
class Identity:
    """Who a template was generated for, read from its hidden metadata sheet."""

    campaign: str | None
    round: str | None
    unit: str | None
    form: str | None
    form_version: int | None
    unit_name: str | None = None


@dataclass
class ParsedRow:
    """One table row: ``key`` is the spec's row key (``r1``, ``r2``… for list forms)."""

    key: str
    label: str
    excel_row: int | None
    values: dict[str, Any] = field(default_factory=dict)
    bad: dict[str, str] = field(default_factory=dict)  # column key → text that is not valid
    cells: dict[str, str] = field(default_factory=dict)  # column key → A1 reference
    is_total: bool = False


@dataclass
class ParsedSubmission:
    """A file read into the form's shape; nothing is validated yet."""

    path: Path
    form: FormSpec
    sheet: str
    rows: list[ParsedRow]
    identity: Identity | None = None
    reporting_unit: str | None = None
    notes: list[Finding] = field(default_factory=list)  # things the parser noticed
    file_key: str = ""

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.file_key = self.file_key or str(self.path)

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def data_rows(self) -> list[ParsedRow]:
        return [r for r in self.rows if not r.is_total]

    @property
    def total(self) -> ParsedRow | None:
        return next((r for r in self.rows if r.is_total), None)

    def value(self, row_key: str, col_key: str) -> Any:
        for r in self.rows:
            if r.key == row_key:
                return r.values.get(col_key)
        raise KeyError(f"{self.form.id} 没有行 {row_key}")

    def long(self) -> pd.DataFrame:
        """Tidy values: one line per filled cell (row_key, row_label, column_key, value).

        Blank cells are left out (blank is not zero); the 合计 row is included with
        ``is_total`` so the warehouse can keep what the unit reported.
        """
        import pandas as pd

        records = [
            (r.key, r.label, r.excel_row, r.is_total, c, v, r.cells.get(c))
            for r in self.rows
            for c, v in r.values.items()
            if v is not None
        ]
        cols = ["row_key", "row_label", "excel_row", "is_total", "column_key", "value", "cell"]
        return pd.DataFrame.from_records(records, columns=cols)

    def wide(self) -> pd.DataFrame:
        """One line per table row, one column per spec column (index: row key)."""
        import pandas as pd

        keys = [c.key for c in self.form.columns]
        frame = pd.DataFrame(
            [[r.values.get(k) for k in keys] for r in self.rows],
            columns=keys,
            index=pd.Index([r.key for r in self.rows], name="row_key"),
        )
        frame.insert(0, "row_label", [r.label for r in self.rows])
        return frame
