"""The hostile drop zone: the bad input counties really send, each file in a unit's folder,
mixed with other units' valid files, and the outcome each file must end in.

One scan moment drives every time stamp, so the same drop zone serves the collect DAG (a
logical date in 2023) and ``campaign-ops ingest`` (now).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from campaign_ops.campaign import get_campaign

from . import files as f

CAMPAIGN = "ankang-2023-internet-ads"
WORK = "ankang-work-stats"  # 工作情况统计表 (fixed rows)
CASES = "ankang-ad-cases"  # 互联网广告案件查处情况统计表 (case list with text columns)
WORK_TITLE = "工作情况统计表"
CASES_TITLE = "互联网广告案件查处情况统计表"
# Before the scan: on time (the deadline was the afternoon before), shortly before, and just
# before (an incomplete file this young may still be arriving).
ON_TIME = dt.timedelta(hours=-18)
LATE = dt.timedelta(minutes=-30)
RECENT = dt.timedelta(minutes=-10)
NOW = None  # modified on the real clock just now: still being copied


@dataclass
class Case:
    """One file in the drop zone and what must become of it."""

    key: str  # the catalogue item, a test id
    path: str  # as intake shows it (relative, '/'-separated, valid Unicode)
    data: bytes
    outcome: str  # accepted, rejected, not_ready, duplicate, unidentified, refused
    unit: str | None  # the unit the outcome is recorded for (None: nobody can tell)
    says: tuple[str, ...] = ()  # words the Chinese message must contain
    code: str | None = None  # the finding's code for a rejected table
    form: str | None = None
    values: f.Values = field(default_factory=dict)  # what an accepted table holds
    when: dt.timedelta | None = ON_TIME
    disk: bytes | None = None  # the name on disk when it is not UTF-8
    receipt: bool = True  # the unit hears about it by email
    bug: str | None = None  # the outcome above is the right one, but not yet what happens

    @property
    def on_disk(self) -> bytes:
        return self.disk if self.disk is not None else self.path.encode()


GBK = "gbk"


def build(drop: Path, work: Path, scan: dt.datetime) -> list[Case]:
    """Write the drop zone under ``drop`` for a scan at ``scan``; returns every file."""
    c = get_campaign(CAMPAIGN)
    work.mkdir(parents=True, exist_ok=True)
    n = iter(range(1000))

    def valid(unit: str, form: str, **kw) -> tuple[bytes, f.Values]:
        return f.table(c, unit, form, work / f"{unit}-{form}-{next(n)}.xlsx", **kw)

    cases: list[Case] = []
    add = cases.append
    resave = ("另存为", ".xlsx")

    # 汉滨区局, 旬阳市局, 白河县局: valid files only, from units next to the hostile ones
    data, values = valid("hanbin", WORK, seed=1)
    add(
        Case(
            "valid",
            f"汉滨区局/{WORK_TITLE}.xlsx",
            data,
            "accepted",
            "hanbin",
            form=WORK,
            values=values,
        )
    )
    data, values = valid("hanbin", CASES, seed=2)
    add(
        Case(
            "valid",
            f"汉滨区局/{CASES_TITLE}.xlsx",
            data,
            "accepted",
            "hanbin",
            form=CASES,
            values=values,
        )
    )
    # full-width digits typed in, in a folder and file named in GBK bytes (a zip made on
    # Chinese Windows, unpacked on Linux)
    data, values = valid("xunyang", WORK, seed=3, style="fullwidth")
    name = f"旬阳市局/{WORK_TITLE}.xlsx"
    add(
        Case(
            "gbk_file_name",
            name,
            data,
            "accepted",
            "xunyang",
            form=WORK,
            values=values,
            disk=name.encode(GBK),
        )
    )
    add(
        Case(
            "gbk_file_name_still_copying",
            f"旬阳市局/{CASES_TITLE}.xlsx",
            b"",
            "not_ready",
            "xunyang",
            says=("0 字节",),
            when=NOW,
            disk=f"旬阳市局/{CASES_TITLE}.xlsx".encode(GBK),
            receipt=False,
        )
    )
    data, values = valid("baihe", WORK, seed=4, style="separators")
    add(
        Case(
            "valid",
            f"白河县局/{WORK_TITLE}（白河）.xlsx",
            data,
            "accepted",
            "baihe",
            form=WORK,
            values=values,
        )
    )
    data, values = f.cases_with_formula_text(c, "baihe", work / "baihe-formulas.xlsx")
    add(
        Case(
            "formula_text_for_the_report",
            f"白河县局/{CASES_TITLE}.xlsx",
            data,
            "accepted",
            "baihe",
            form=CASES,
            values=values,
        )
    )

    # 汉阴县局: zip bombs
    add(
        Case(
            "zip_bomb",
            f"汉阴县局/{WORK_TITLE}.xlsx",
            f.zip_bomb(work),
            "rejected",
            "hanyin",
            says=("安全", "重新保存"),
            code="zip_bomb",
        )
    )
    add(
        Case(
            "zip_bomb_lying_sizes",
            f"汉阴县局/{CASES_TITLE}.xlsx",
            f.lying_zip_bomb(work),
            "rejected",
            "hanyin",
            says=("安全",),
            code="zip_bomb",
        )
    )
    add(
        Case(
            "executable",
            f"汉阴县局/{WORK_TITLE}.exe",
            b"MZ\x90\x00" + bytes(200),
            "refused",
            "hanyin",
            says=("不接受", ".docx"),
        )
    )

    # 石泉县局: XML entity expansion, absurd dimensions, a Word file renamed .xlsx
    data, _ = valid("shiquan", WORK, seed=5)
    add(
        Case(
            "xml_entity_expansion",
            f"石泉县局/{WORK_TITLE}.xlsx",
            f.billion_laughs(data),
            "rejected",
            "shiquan",
            says=resave,
        )
    )
    data, _ = valid("shiquan", CASES, seed=6)
    add(
        Case(
            "absurd_dimension",
            f"石泉县局/{CASES_TITLE}.xlsx",
            f.absurd_dimension(data),
            "rejected",
            "shiquan",
            says=("1048576", "删除"),
            code="too_large",
        )
    )

    add(
        Case(
            "xml_entity_expansion_just_arrived",
            f"石泉县局/{WORK_TITLE}（二）.xlsx",
            f.billion_laughs(valid("shiquan", WORK, seed=17)[0]),
            "rejected",
            "shiquan",
            says=("安全", *resave),
            when=RECENT,
        )
    )

    # 宁陕县局: password, .xls, another campaign's template
    add(
        Case(
            "encrypted",
            f"宁陕县局/{WORK_TITLE}.xlsx",
            f.encrypted(work),
            "rejected",
            "ningshan",
            says=("密码", "重新报送"),
            code="encrypted",
        )
    )
    add(
        Case(
            "old_xls",
            f"宁陕县局/{CASES_TITLE}.xls",
            f.old_xls(work),
            "rejected",
            "ningshan",
            says=resave,
            code="legacy_xls",
        )
    )
    add(
        Case(
            "another_campaigns_template",
            "宁陕县局/直播电商违法案件查处情况统计表.xlsx",
            f.template_of_another_campaign(work),
            "unidentified",
            "ningshan",
            says=("不属于本专项行动",),
        )
    )
    add(
        Case(
            "refused_file_named_vaguely",
            "宁陕县局/报表.xls",
            f.old_xls(work, b"vague"),
            "unidentified",
            "ningshan",
            says=resave,
        )
    )

    # 紫阳县局: .xlsm accepted (no macro runs); two names equal after NFKC (a full-width
    # slash in a file name at the root looks like the unit's folder)
    data, values = valid("ziyang", WORK, seed=8)
    add(
        Case(
            "xlsm",
            f"紫阳县局/{WORK_TITLE}.xlsm",
            f.with_macros(data),
            "accepted",
            "ziyang",
            form=WORK,
            values=values,
        )
    )
    data, _ = valid("ziyang", CASES, seed=9)
    add(
        Case(
            "name_collision_first",
            f"紫阳县局/{CASES_TITLE}.xlsx",
            data,
            "accepted",
            "ziyang",
            form=CASES,
        )
    )
    data, values = valid("ziyang", CASES, seed=10)
    add(
        Case(
            "name_collision_fullwidth_slash",
            f"紫阳县局／{CASES_TITLE}.xlsx",
            data,
            "accepted",
            "ziyang",
            form=CASES,
            values=values,
            when=LATE,
        )
    )

    # 岚皋县局, 平利县局: empty and half-copied files
    data, _ = valid("langao", WORK, seed=11)
    add(
        Case(
            "zero_bytes",
            f"岚皋县局/{WORK_TITLE}.xlsx",
            b"",
            "not_ready",
            "langao",
            says=("0 字节",),
            when=NOW,
            receipt=False,
        )
    )
    add(
        Case(
            "still_growing",
            f"岚皋县局/{CASES_TITLE}.xlsx",
            data[: len(data) // 2],
            "not_ready",
            "langao",
            says=("复制",),
            when=NOW,
            receipt=False,
        )
    )
    data, _ = valid("pingli", WORK, seed=12)
    add(
        Case(
            "truncated_recently",
            f"平利县局/{WORK_TITLE}.xlsx",
            data[: len(data) * 2 // 3],
            "not_ready",
            "pingli",
            says=("稍后重试",),
            when=RECENT,
            receipt=False,
        )
    )
    add(
        Case(
            "truncated_long_ago",
            f"平利县局/{CASES_TITLE}.xlsx",
            data[: len(data) // 3],
            "rejected",
            "pingli",
            says=("损坏", *resave),
        )
    )

    # 镇坪县局: GBK CSV; a very long file name
    _, values = valid("zhenping", WORK, seed=13)
    add(
        Case(
            "gbk_csv",
            f"镇坪县局/{WORK_TITLE}.csv",
            f.gbk_csv(c, "zhenping", WORK, values),
            "accepted",
            "zhenping",
            form=WORK,
            values=values,
        )
    )
    data, values = valid("zhenping", CASES, seed=14)
    long_name = f"{CASES_TITLE}（" + "修改稿" * 22 + "）.xlsx"  # 250 bytes, ext4 allows 255
    assert 240 < len(long_name.encode()) <= 255
    add(
        Case(
            "very_long_name",
            f"镇坪县局/{long_name}",
            data,
            "accepted",
            "zhenping",
            form=CASES,
            values=values,
        )
    )

    # 恒口示范区局: path tricks in names
    data, values = valid("hengkou", WORK, seed=15)
    add(
        Case(
            "backslash_traversal_name",
            f"..\\..\\..\\恒口示范区局\\{WORK_TITLE}.xlsx",
            data,
            "accepted",
            "hengkou",
            form=WORK,
            values=values,
        )
    )
    data, values = valid("hengkou", CASES, seed=16)
    add(
        Case(
            "control_chars_and_dotdot_in_name",
            f"恒口示范区局/..{CASES_TITLE}\x1b[2J\r\n\t.xlsx",
            data,
            "accepted",
            "hengkou",
            form=CASES,
            values=values,
        )
    )
    add(
        Case(
            "absolute_looking_name",
            f"C:\\Windows\\System32\\恒口示范区局{WORK_TITLE}.xls",
            f.old_xls(work, b"hengkou"),
            "rejected",
            "hengkou",
            says=resave,
            code="legacy_xls",
        )
    )

    for case in cases:
        _put(drop, case, scan)
    return cases


def still_copying(drop: Path, cases: list[Case]) -> None:
    """Touch the files that are being copied right now, just before a scan lists them (the
    scan must see them modified less than a minute ago, whatever building the rest took)."""
    for case in cases:
        if case.when is NOW:
            os.utime(os.path.join(os.fsencode(drop), case.on_disk))


def _put(drop: Path, case: Case, scan: dt.datetime) -> None:
    target = os.path.join(os.fsencode(drop), case.on_disk)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as fh:
        fh.write(case.data)
    if case.when is not None:
        t = (scan + case.when).timestamp()
        os.utime(target, (t, t))
