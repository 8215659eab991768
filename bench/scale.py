"""A province-size campaign for benchmarks and scale tests: 3,000 units, four rounds, files.

The units are a province's county-level market-regulation bureaus (陕西省's 107 counties and
districts, with their administrative division codes) × the 股室 and 市场监管所 that report
to the provincial campaign; each round has a realistic mix of on-time, late, rejected and
missing units. Every file is made from the project's own template (``write_template``) and
typed in the messy-but-valid styles counties really use (``samples.styled``); rejected ones
carry the defects of ``synthetic.break_values`` or are damaged on the way (a truncated file).

Why files are not written with openpyxl one by one: ``load_workbook`` + ``save`` of a filled
template costs 55–150 ms per file (openpyxl builds and serialises every styled cell, data
validation and sheet each time), which made bench_forms spend ~110 s generating 1,000 files.
Here each (form, round) template is written once by the real template code, with placeholder
unit fields, and kept as its XML parts; a unit's file is that skeleton with its unit fields
substituted and its typed values put into the empty input cells — the same cell XML openpyxl
writes (``tests/test_scale_fixture.py`` checks the parser reads both the same). About 1 ms a
file instead of ~70.

Everything is derived from ``seed``: the same arguments give the same campaign, the same
outcomes and byte-identical files.

    from bench.scale import province_drop_zone
    campaign_path, files, expected = province_drop_zone(tmp, round_index=0)
    # expected[unit_code].outcome in {"on_time", "late", "rejected", "missing"}
"""

from __future__ import annotations

import datetime as dt
import html
import os
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from campaign_ops.forms.samples import STYLES
from campaign_ops.synthetic import DEFECTS, DOMAIN, break_values, campaign_dict, write_campaign

if TYPE_CHECKING:
    from campaign_ops.campaign import Campaign, Round, Unit
    from campaign_ops.forms.spec import FormSpec

CAMPAIGN_ID = "province-scale"
FORM = "livestream-cases"
UNITS = 3000
ROUNDS = 4
TZ = ZoneInfo("Asia/Shanghai")
OUTCOMES = ("on_time", "late", "rejected", "missing")
# The matrix status (campaign-ops status --json) each outcome ends in.
STATUS_OF = {
    "on_time": "accepted_on_time",
    "late": "accepted_late",
    "rejected": "rejected",
    "missing": "missing",
}
# Share of on-time, late, rejected and missing units per round: the first round is the
# roughest (new template, new contacts), later rounds settle.
MIX = (
    (0.78, 0.08, 0.06, 0.08),
    (0.82, 0.07, 0.05, 0.06),
    (0.84, 0.06, 0.05, 0.05),
    (0.86, 0.05, 0.04, 0.05),
)
CHRONIC_MISSING = 0.01  # units that never report (nobody assigned to the campaign)
# How the people at a unit type numbers; most keep one habit across rounds.
STYLE_WEIGHTS = {"plain": 0.55, "text": 0.12, "fullwidth": 0.08, "separators": 0.15, "dashes": 0.1}
# What goes wrong with a rejected file: the value defects of synthetic.break_values, or a
# file damaged in transit (copied half, e.g. a dropped VPN connection).
REJECTION_WEIGHTS = {"negative": 0.25, "text": 0.25, "blank": 0.2, "rule": 0.2, "truncated": 0.1}
assert set(REJECTION_WEIGHTS) - {"truncated"} == set(DEFECTS)
assert set(STYLE_WEIGHTS) == set(STYLES)

# ---- geography ---------------------------------------------------------------------------

# 陕西省's county-level divisions (GB/T 2260 codes), by prefecture.
COUNTIES: tuple[tuple[str, str], ...] = tuple(
    (code, name)
    for block in (
        "610102 新城区 610103 碑林区 610104 莲湖区 610111 灞桥区 610112 未央区 610113 雁塔区"
        " 610114 阎良区 610115 临潼区 610116 长安区 610117 高陵区 610118 鄠邑区 610122 蓝田县"
        " 610124 周至县",
        "610202 王益区 610203 印台区 610204 耀州区 610222 宜君县",
        "610302 渭滨区 610303 金台区 610304 陈仓区 610305 凤翔区 610323 岐山县 610324 扶风县"
        " 610326 眉县 610327 陇县 610328 千阳县 610329 麟游县 610330 凤县 610331 太白县",
        "610402 秦都区 610403 杨陵区 610404 渭城区 610422 三原县 610423 泾阳县 610424 乾县"
        " 610425 礼泉县 610426 永寿县 610428 长武县 610429 旬邑县 610430 淳化县 610431 武功县"
        " 610481 兴平市 610482 彬州市",
        "610502 临渭区 610503 华州区 610522 潼关县 610523 大荔县 610524 合阳县 610525 澄城县"
        " 610526 蒲城县 610527 白水县 610528 富平县 610581 韩城市 610582 华阴市",
        "610602 宝塔区 610603 安塞区 610621 延长县 610622 延川县 610625 志丹县 610626 吴起县"
        " 610627 甘泉县 610628 富县 610629 洛川县 610630 宜川县 610631 黄龙县 610632 黄陵县"
        " 610681 子长市",
        "610702 汉台区 610703 南郑区 610722 城固县 610723 洋县 610724 西乡县 610725 勉县"
        " 610726 宁强县 610727 略阳县 610728 镇巴县 610729 留坝县 610730 佛坪县",
        "610802 榆阳区 610803 横山区 610822 府谷县 610824 靖边县 610825 定边县 610826 绥德县"
        " 610827 米脂县 610828 佳县 610829 吴堡县 610830 清涧县 610831 子洲县 610881 神木市",
        "610902 汉滨区 610921 汉阴县 610922 石泉县 610923 宁陕县 610924 紫阳县 610925 岚皋县"
        " 610926 平利县 610927 镇坪县 610929 白河县 610981 旬阳市",
        "611002 商州区 611021 洛南县 611022 丹凤县 611023 商南县 611024 山阳县 611025 镇安县"
        " 611026 柞水县",
    )
    for code, name in zip(block.split()[::2], block.split()[1::2], strict=True)
)

# The offices of a county bureau that report to a provincial campaign: code, 全称, 简称.
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("bgs", "办公室", "办公室"),
    ("zfdd", "综合执法大队", "执法大队"),
    ("djzc", "登记注册股", "登记股"),
    ("xyjg", "信用监督管理股", "信用股"),
    ("wjjg", "网络交易监督管理股", "网监股"),
    ("ggjg", "广告监督管理股", "广告股"),
    ("jgjc", "价格监督检查和反不正当竞争股", "价监股"),
    ("xbhq", "消费者权益保护股", "消保股"),
    ("spsc", "食品生产安全监督管理股", "食品生产股"),
    ("spjy", "食品经营安全监督管理股", "食品经营股"),
    ("tsjc", "特殊食品安全监督管理股", "特殊食品股"),
    ("spcy", "食品安全抽检监测股", "抽检股"),
    ("ypjg", "药品医疗器械监督管理股", "药械股"),
    ("hzpg", "化妆品监督管理股", "化妆品股"),
    ("tzsb", "特种设备安全监察股", "特设股"),
    ("zljg", "产品质量安全监督管理股", "质量股"),
    ("jlgl", "计量股", "计量股"),
    ("bzhg", "标准化股", "标准化股"),
    ("rzrk", "认证认可股", "认证股"),
    ("zscq", "知识产权股", "知识产权股"),
    ("chsj", "城关市场监管所", "城关所"),
    ("dzsj", "东区市场监管所", "东区所"),
    ("xqsj", "西区市场监管所", "西区所"),
    ("nqsj", "南区市场监管所", "南区所"),
    ("bqsj", "北区市场监管所", "北区所"),
    ("kfsj", "开发区市场监管所", "开发区所"),
    ("gysj", "工业园区市场监管所", "园区所"),
    ("xzsj", "新镇市场监管所", "新镇所"),
    ("hksj", "河口市场监管所", "河口所"),
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰飞鹏辉波宁欣怡浩宇晨阳建国志红"


def _county_short(name: str) -> str:
    """``汉滨区`` stays, ``眉县`` stays: the name a county bureau's 简称 starts with."""
    return name


def unit_list(count: int = UNITS, seed: int = 0) -> list[dict]:
    """``count`` units as campaign YAML data: department ``d`` of every county before
    department ``d + 1`` (so each county has 28 or 29 offices at 3,000), each with a contact
    and a leader on the reserved domain."""
    if count > len(COUNTIES) * len(DEPARTMENTS):
        raise ValueError(f"at most {len(COUNTIES) * len(DEPARTMENTS)} units")
    rng = random.Random(f"units:{seed}")
    units = []
    for i in range(count):
        dept_code, dept, dept_short = DEPARTMENTS[i // len(COUNTIES)]
        county_code, county = COUNTIES[i % len(COUNTIES)]
        code = f"{county_code}-{dept_code}"
        person = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        leader = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        units.append(
            {
                "code": code,
                "name": f"{county}市场监督管理局{dept}",
                "short_name": f"{_county_short(county)}局{dept_short}",
                "aliases": [f"{county}{dept_short}"],
                "level": "office",
                "contacts": [
                    {"name": person, "email": f"{code}@{DOMAIN}", "phone": _phone(rng)},
                    {"name": leader, "email": f"{code}-leader@{DOMAIN}", "role": "leader"},
                ],
            }
        )
    return sorted(units, key=lambda u: u["code"])


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


# ---- the campaign --------------------------------------------------------------------------


def province_campaign(
    *,
    units: int = UNITS,
    rounds: int = ROUNDS,
    seed: int = 0,
    form: str = FORM,
    campaign_id: str = CAMPAIGN_ID,
    drop_zone: Path | None = None,
) -> dict:
    """The campaign as YAML data: ``synthetic.campaign_dict``'s phases and deadlines (30
    days apart from 2024-03-01), the province's units, one statistics form per round, and a
    drop zone organised ``<round>/<unit>/`` (absolute when ``drop_zone`` is given)."""
    data = campaign_dict(campaign_id, units=1, rounds=rounds, forms=(form,))
    numerals = "一二三四五六七八九十"
    data.update(
        title="全省直播电商领域违法违规行为专项整治（规模测试）",
        short_title="全省直播电商专项整治",
        authority="陕西省市场监督管理局",
        document_number="陕市监函〔2024〕88号",
        sender={"name": "陕西省市场监督管理局网络交易监督管理处", "email": f"wjc@{DOMAIN}"},
        ops=[{"name": "省局网监处值班", "email": f"ops@{DOMAIN}", "role": "ops"}],
        units=unit_list(units, seed),
        drop_zone={
            "kind": "folder",
            "path": str(drop_zone) if drop_zone else campaign_id,
            "layout": "per_round_unit",
        },
    )
    for i, r in enumerate(data["rounds"]):
        r["title"] = f"第{numerals[i] if i < 10 else i + 1}次阶段性报送"
        r["deliverables"] = [{"kind": "statistics", "form": form}]
    return data


@dataclass(frozen=True)
class Expected:
    """What should become of one unit's submission for one round."""

    unit: str
    round: str
    outcome: str  # on_time | late | rejected | missing
    path: str | None = None  # relative to the drop zone; None when missing
    submitted_at: dt.datetime | None = None  # the file's mtime (aware, UTC)
    style: str | None = None  # how numbers were typed
    defect: str | None = None  # rejected: negative | text | blank | rule | truncated

    @property
    def status(self) -> str:
        """The cell of ``campaign-ops status`` this ends in (``accepted_on_time`` …)."""
        return STATUS_OF[self.outcome]

    @property
    def accepted(self) -> bool:
        return self.outcome in ("on_time", "late")


def _pick(rng: random.Random, weights: dict[str, float] | Sequence[float], keys=None) -> Any:
    if isinstance(weights, dict):
        return rng.choices(list(weights), weights=list(weights.values()))[0]
    return rng.choices(keys, weights=weights)[0]


def due_at(round_: Round) -> dt.datetime:
    hh, mm = (int(x) for x in round_.deadline_time.split(":"))
    return dt.datetime.combine(round_.deadline, dt.time(hh, mm), TZ)


def plan(campaign: Campaign, seed: int = 0, form_id: str = FORM) -> dict[tuple[str, str], Expected]:
    """Outcome, arrival time, typing style and defect for every unit × round.

    Cheap (no files, no figures: about 0.1 s for 12,000 cells): benchmarks that only need
    the warehouse state seed from this; ``unit_values`` gives the figures."""
    from campaign_ops.forms.spec import load_form

    form = load_form(form_id)
    out: dict[tuple[str, str], Expected] = {}
    for unit in campaign.units:
        rng = random.Random(f"plan:{seed}:{unit.code}")
        chronic = rng.random() < CHRONIC_MISSING
        habit = _pick(rng, STYLE_WEIGHTS)
        for ri, round_ in enumerate(campaign.rounds):
            mix = MIX[min(ri, len(MIX) - 1)]
            outcome = "missing" if chronic else _pick(rng, mix, OUTCOMES)
            if outcome == "missing":
                out[(unit.code, round_.id)] = Expected(unit.code, round_.id, "missing")
                continue
            style = habit if rng.random() < 0.85 else _pick(rng, STYLE_WEIGHTS)
            due = due_at(round_)
            if outcome == "late":
                at = due + dt.timedelta(hours=rng.uniform(1, 10 * 24))
            else:  # most arrive on the deadline's last evenings
                at = due - dt.timedelta(hours=6 * 24 * rng.random() ** 3 + rng.uniform(0.02, 1))
            defect = _pick(rng, REJECTION_WEIGHTS) if outcome == "rejected" else None
            out[(unit.code, round_.id)] = Expected(
                unit.code,
                round_.id,
                outcome,
                path=_file_path(rng, campaign, unit, round_, form),
                submitted_at=at.astimezone(dt.UTC).replace(microsecond=0),
                style=style,
                defect=defect,
            )
    return out


def unit_values(
    form: FormSpec, unit_index: int, rounds: int, seed: int = 0, known: Sequence[dict] = ()
) -> list[dict]:
    """The figures unit number ``unit_index`` means to report in each of the first
    ``rounds`` rounds (before any defect), cumulative: each round grows from the previous
    one, whatever became of it. ``known`` is a prefix computed before. ``sample_values``
    costs about 1.5 ms a call, so figures are computed only for files being written."""
    from campaign_ops.forms.samples import sample_values

    out = list(known[:rounds])
    for ri in range(len(out), rounds):
        previous = out[-1] if out else None
        out.append(
            sample_values(form, seed=seed * 1_000_003 + unit_index * 16 + ri, previous=previous)
        )
    return out


def typed_values(form: FormSpec, values: dict, defect: str | None) -> dict:
    """The figures as they end up in the file: a copy, spoiled by ``defect`` if it is one of
    the value defects."""
    typed = {k: dict(v) for k, v in values.items()}
    if defect and defect != "truncated":
        break_values(form, typed, defect)
    return typed


def _file_path(
    rng: random.Random, campaign: Campaign, unit: Unit, round_: Round, form: FormSpec
) -> str:
    """``<round>/<unit 简称>/<name>``: mostly the template's own name, sometimes renamed the
    ways people do (a copy, a download number, their own wording)."""
    from campaign_ops.forms.template import template_filename

    name = template_filename(form, unit, round_)
    roll = rng.random()
    if roll < 0.08:
        name = f"副本{name}"
    elif roll < 0.16:
        name = name.replace(".xlsx", "(1).xlsx")
    elif roll < 0.24:
        name = f"{unit.short_name}{round_.title}{form.title}.xlsx"
    return f"{round_.id}/{unit.short_name}/{name}"


# ---- writing files fast ----------------------------------------------------------------------

# Placeholder unit for the skeleton template: replaced by each unit's own fields.
_PH_CODE, _PH_NAME, _PH_SHORT = "zzplaceholderunitcodezz", "ZZPLACEHOLDERNAMEZZ", "ZZPHSHORTZZ"
_FIXED_TIME = "2024-01-01T00:00:00Z"
_EMPTY_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="n"></c>')
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _xml_text(value: str) -> str:
    """Text as openpyxl writes it: escaped, non-ASCII as character references."""
    return html.escape(value, quote=False).encode("ascii", "xmlcharrefreplace").decode("ascii")


def _cell_xml(ref: str, style: str, value: Any) -> str:
    """One filled cell, as openpyxl 3.1 writes it (numbers ``t="n"``, text inline)."""
    if value is None:
        return f'<c r="{ref}"{style} t="n"></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):  # an Excel serial; the template's cell has the date format
        return f'<c r="{ref}"{style} t="n"><v>{(value - dt.date(1899, 12, 30)).days}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{style} t="n"><v>{value}</v></c>'
    text = str(value)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_xml_text(text)}</t></is></c>'


class Skeleton:
    """One template written by ``write_template``, kept as its zip parts, from which any
    unit's filled file is made by substitution: unit fields in every part, values in the
    data sheet's empty cells."""

    DATA_SHEET = "xl/worksheets/sheet1.xml"

    def __init__(
        self,
        form: FormSpec,
        campaign: Campaign | None = None,
        round_: Round | None = None,
        *,
        per_unit: bool = True,
    ) -> None:
        import tempfile

        from campaign_ops.campaign import Unit
        from campaign_ops.forms.template import write_template

        self.form = form
        placeholder = None
        if campaign is not None and per_unit:
            placeholder = Unit(
                code=_PH_CODE,
                name=_PH_NAME,
                short_name=_PH_SHORT,
                level="office",
                contacts=[{"name": "x"}],
            )
        with tempfile.TemporaryDirectory() as tmp:
            path = write_template(
                form, Path(tmp) / "t.xlsx", campaign=campaign, round_=round_, unit=placeholder
            )
            with zipfile.ZipFile(path) as z:
                self.parts = [(i.filename, z.read(i).decode("utf-8")) for i in z.infolist()]
        # Timestamps fixed, so the same arguments give byte-identical files.
        self.parts = [(n, _STAMP.sub(_FIXED_TIME, text)) for n, text in self.parts]
        self.per_unit = placeholder is not None
        sheet = dict(self.parts)[self.DATA_SHEET]
        self._chunks: list[str] = []  # sheet XML between empty cells
        self._cells: dict[str, tuple[int, str]] = {}  # ref → (chunk index after it, style)
        last = 0
        for m in _EMPTY_CELL.finditer(sheet):
            self._chunks.append(sheet[last : m.start()])
            self._cells[m.group(1)] = (len(self._chunks), m.group(2) or "")
            last = m.end()
        self._chunks.append(sheet[last:])
        self._empty = [
            _cell_xml(ref, style, None) for ref, (_, style) in sorted(self._cells.items(), key=_k)
        ]
        self._order = [ref for ref, _ in sorted(self._cells.items(), key=_k)]
        varying = {self.DATA_SHEET} | {
            n for n, text in self.parts if self.per_unit and (_PH_CODE in text or _PH_NAME in text)
        }
        self._packed = {
            n: _deflate(text.encode("utf-8")) for n, text in self.parts if n not in varying
        }

    def render(self, cells: dict[str, Any], unit: Unit | None = None) -> bytes:
        """The .xlsx bytes of this template with ``cells`` (reference → typed value) filled
        in, for ``unit`` when the skeleton was made per unit."""
        if self.per_unit and unit is None:
            raise ValueError("this skeleton is a unit's template: pass the unit")
        missing = set(cells) - set(self._cells)
        if missing:
            raise KeyError(f"not an empty cell of the template: {sorted(missing)}")
        pieces = [self._chunks[0]]
        for i, ref in enumerate(self._order):
            value = cells.get(ref)
            _, style = self._cells[ref]
            pieces.append(self._empty[i] if value is None else _cell_xml(ref, style, value))
            pieces.append(self._chunks[i + 1])
        sheet = "".join(pieces)
        members = []
        for name, text in self.parts:
            if name in self._packed:  # the same for every unit: compressed once
                members.append((name, *self._packed[name]))
                continue
            if name == self.DATA_SHEET:
                text = sheet
            if unit is not None:
                text = self._unit_fields(text, unit)
            members.append((name, *_deflate(text.encode("utf-8"))))
        return _zip(members)

    @staticmethod
    def _unit_fields(text: str, unit: Unit) -> str:
        if _PH_CODE not in text and _PH_NAME not in text and _PH_SHORT not in text:
            return text
        return (
            text.replace(_PH_CODE, _xml_text(unit.code))
            .replace(_PH_NAME, _xml_text(unit.name))
            .replace(_PH_SHORT, _xml_text(unit.short_name))
        )


def _deflate(data: bytes) -> tuple[bytes, int, int]:
    """(raw deflate stream, crc32, uncompressed size) of one zip member."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)


# 2024-01-01 00:00 in MS-DOS time and date: every member gets it, so files are reproducible.
_DOS_TIME, _DOS_DATE = 0, (2024 - 1980) << 9 | 1 << 5 | 1


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive of already deflated members (what ``zipfile`` would write, without
    compressing the unchanging parts again for every file)."""
    out = bytearray()
    central = bytearray()
    for name, packed, crc, size in members:
        encoded = name.encode("utf-8")
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0,
            8,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            len(packed),
            size,
            len(encoded),
            0,
        )
        out += encoded + packed
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            len(packed),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += encoded
    start = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0
    )
    return bytes(out)


def _k(item: tuple[str, tuple[int, str]]) -> int:
    return item[1][0]


def filled_cells(form: FormSpec, values: dict, style: str, contact: tuple[str, str] | None):
    """What a person types into the template: the figures in their style and, when given,
    their name and phone number under the table (填报人, 联系电话)."""
    from campaign_ops.forms.layout import TemplateLayout
    from campaign_ops.forms.samples import typed_cells

    cells = typed_cells(form, values, style)
    if contact:
        lay = TemplateLayout(form)
        row = lay.last_table_row + 2
        cells[f"B{row}"] = contact[0]
        if lay.width >= 4:
            cells[f"D{row}"] = contact[1]
    return cells


def truncate(data: bytes) -> bytes:
    """A file cut off part-way, as a dropped copy over a flaky link leaves it."""
    return data[: len(data) * 11 // 20]


# ---- the province --------------------------------------------------------------------------


@dataclass
class Province:
    """A generated province campaign on disk: its YAML, its drop zone and what each unit ×
    round should come to."""

    root: Path
    campaign_path: Path
    drop_zone: Path
    expected: dict[tuple[str, str], Expected]
    seed: int = 0
    form_id: str = FORM
    _chains: dict[str, list[dict]] = field(default_factory=dict, repr=False)

    @cached_property
    def campaign(self) -> Campaign:
        from campaign_ops.campaign import load_campaign_file

        return load_campaign_file(self.campaign_path)

    @property
    def round_ids(self) -> list[str]:
        return [r.id for r in self.campaign.rounds]

    @cached_property
    def form(self) -> FormSpec:
        from campaign_ops.forms.spec import load_form

        return load_form(self.form_id)

    @cached_property
    def _unit_index(self) -> dict[str, int]:
        return {u.code: i for i, u in enumerate(self.campaign.units)}

    def values(self, unit_code: str, round_id: str) -> dict:
        """The figures the unit means to report for the round (before any defect); each
        unit's chain of rounds is computed once."""
        rounds = self.round_ids.index(round_id) + 1
        chain = self._chains.get(unit_code, [])
        if len(chain) < rounds:
            index = self._unit_index[unit_code]
            chain = unit_values(self.form, index, rounds, self.seed, chain)
            self._chains[unit_code] = chain
        return chain[rounds - 1]

    def typed(self, e: Expected) -> dict:
        """The figures as they are in the unit's file (its defect included)."""
        return typed_values(self.form, self.values(e.unit, e.round), e.defect)

    def for_round(self, round_id: str) -> dict[str, Expected]:
        """Unit code → expected outcome for one round (every unit, missing ones too)."""
        return {u: e for (u, r), e in self.expected.items() if r == round_id}

    def collect_at(self, round_id: str) -> dt.datetime:
        """A collect moment after every file of the round arrived (late ones included): 09:00
        twelve days after the deadline."""
        r = self.campaign.round(round_id)
        return dt.datetime.combine(r.deadline + dt.timedelta(days=12), dt.time(9), TZ)

    def write_round(self, round_id: str) -> list[Path]:
        """Write the round's files into the drop zone (mtime = when the unit sent it)."""
        return write_files(self, [e for e in self.for_round(round_id).values() if e.path])

    def counts(self, round_id: str) -> dict[str, int]:
        out = dict.fromkeys(OUTCOMES, 0)
        for e in self.for_round(round_id).values():
            out[e.outcome] += 1
        return out


def build_province(
    root: Path,
    *,
    units: int = UNITS,
    rounds: int = ROUNDS,
    seed: int = 0,
    form: str = FORM,
    campaign_id: str = CAMPAIGN_ID,
) -> Province:
    """Write the campaign YAML under ``root/campaigns`` and plan every unit × round; the
    drop zone is ``root/dropzone/<id>`` (absolute in the YAML). Writes no submission yet:
    ``Province.write_round`` does, one round at a time."""
    root = Path(root)
    drop = root / "dropzone" / campaign_id
    data = province_campaign(
        units=units, rounds=rounds, seed=seed, form=form, campaign_id=campaign_id, drop_zone=drop
    )
    path = write_campaign(root / "campaigns", data)
    drop.mkdir(parents=True, exist_ok=True)
    province = Province(root, path, drop, {}, seed, form)
    province.expected = plan(province.campaign, seed, form)
    return province


def write_files(province: Province, items: Iterable[Expected]) -> list[Path]:
    """Make each expected file from its round's skeleton; sets its mtime to its arrival."""
    campaign = province.campaign
    form = province.form
    skeletons: dict[str, Skeleton] = {}
    written = []
    for e in items:
        assert e.path and e.submitted_at
        round_ = campaign.round(e.round)
        if e.round not in skeletons:
            skeletons[e.round] = Skeleton(form, campaign, round_)
        unit = campaign.unit(e.unit)
        person = next(c for c in unit.contacts if c.role != "leader")
        typed = province.typed(e)
        cells = filled_cells(form, typed, e.style or "plain", (person.name, person.phone or ""))
        data = skeletons[e.round].render(cells, unit)
        if e.defect == "truncated":
            data = truncate(data)
        target = province.drop_zone / e.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        stamp = e.submitted_at.timestamp()
        os.utime(target, (stamp, stamp))
        written.append(target)
    return written


def province_drop_zone(
    root: Path,
    round_index: int = 0,
    *,
    units: int = UNITS,
    seed: int = 0,
    form: str = FORM,
) -> tuple[Path, list[Path], dict[str, Expected]]:
    """One round of the province in a drop zone, for intake benchmarks and tests.

    Returns the campaign file (its drop zone is ``root/dropzone/province-scale``, written as
    an absolute path, so ``campaign-ops ingest province-scale`` with
    ``CAMPAIGN_OPS_CAMPAIGNS_DIR=root/campaigns`` finds the files without ``--source``), the
    files written, and unit code → ``Expected`` for that round (missing units included).
    Ingest at ``Province.collect_at`` or later (any real "now" is later) so late files are
    late and no file looks half-copied."""
    province = build_province(root, units=units, seed=seed, form=form)
    round_id = province.round_ids[round_index]
    return province.campaign_path, province.write_round(round_id), province.for_round(round_id)


def main() -> None:
    """Generate the full fixture once and report its size and timing."""
    import argparse
    import tempfile
    import time

    ap = argparse.ArgumentParser(description="generate the province-size fixture")
    ap.add_argument("--units", type=int, default=UNITS)
    ap.add_argument("--out", type=Path, help="keep it here (default: a temporary folder)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="province_") as tmp:
        root = args.out or Path(tmp)
        t0 = time.perf_counter()
        province = build_province(root, units=args.units)
        planned = time.perf_counter() - t0
        for rid in province.round_ids:
            t = time.perf_counter()
            files = province.write_round(rid)
            print(
                f"{rid}: {len(files)} files in {time.perf_counter() - t:.1f} s",
                province.counts(rid),
            )
        print(f"plan {planned:.1f} s, all {time.perf_counter() - t0:.1f} s, under {root}")


if __name__ == "__main__":
    main()


# ---- the warehouse as intake would leave it ---------------------------------------------------

# What intake tells a unit about each defect (worded like the forms' findings): code, message,
# value found.
FINDINGS = {
    "negative": ("min_value", "不能为负数，没有发生的请填 0", "-5"),
    "text": ("not_a_number", "应填写数字，不能填写文字说明", "待统计"),
    "blank": ("required", "必填，空白不等于 0：没有发生的请填 0", None),
    "rule": ("rule_le", "结案数不能大于立案数", None),
    "truncated": ("corrupt", "文件不完整或已损坏，无法打开：请重新保存后再上传完整的文件", None),
}


def seed_warehouse(
    session: Any,
    province: Province,
    round_ids: Iterable[str],
    *,
    until: dt.datetime | None = None,
    values: bool = False,
) -> int:
    """Store what intake would have stored for these rounds (files that arrived by ``until``):
    an accepted or rejected submission per file, with findings for rejected ones and, when
    ``values``, the accepted figures. Bulk inserts: for benchmarks of what comes after
    intake (reminders, consolidation), which must not wait a minute for intake to run.
    Returns the number of submissions."""
    import hashlib

    import sqlalchemy as sa

    from campaign_ops.store import sync_campaign
    from campaign_ops.store.models import (
        ArchivedFile,
        Submission,
        SubmittedValue,
        ValidationFinding,
    )

    campaign = province.campaign
    sync_campaign(session, campaign)
    form = province.form
    first_row = form.rows[0] if form.rows else None
    next_id = (session.scalar(sa.select(sa.func.max(Submission.id))) or 0) + 1
    files, subs, findings, cells = [], [], [], []
    for round_id in round_ids:
        for e in province.for_round(round_id).values():
            if not e.path or (until is not None and e.submitted_at > until):
                continue
            sha = hashlib.sha256(f"{province.seed}/{e.round}/{e.unit}".encode()).hexdigest()
            name = e.path.rsplit("/", 1)[-1]
            files.append(
                {
                    "sha256": sha,
                    "size": 10_000,
                    "original_path": e.path,
                    "original_name": name,
                    "mtime": e.submitted_at,
                    "first_seen_at": e.submitted_at,
                }
            )
            code, message, found = FINDINGS.get(e.defect or "", ("", "", None))
            subs.append(
                {
                    "id": next_id,
                    "campaign_id": campaign.id,
                    "round_id": e.round,
                    "unit_code": e.unit,
                    "deliverable_key": province.form_id,
                    "version": 1,
                    "sha256": sha,
                    "status": "accepted" if e.accepted else "rejected",
                    "received_at": e.submitted_at,
                    "on_time": e.outcome != "late",
                    "identified_by": "metadata" if e.defect != "truncated" else "path",
                    "rejection_summary": None if e.accepted else f"发现 1 处错误：{message}",
                    "status_changed_at": e.submitted_at,
                }
            )
            if not e.accepted:
                column = next(c for c in form.columns if c.numeric)
                findings.append(
                    {
                        "submission_id": next_id,
                        "severity": "error",
                        "code": code,
                        "message": message,
                        "sheet": form.title[:31] if e.defect != "truncated" else None,
                        "row_label": first_row.label if first_row and found else None,
                        "column_label": column.label if found else None,
                        "value_found": found,
                        "position": 0,
                    }
                )
            elif values:
                for row_key, line in province.values(e.unit, e.round).items():
                    for col_key, value in line.items():
                        number = isinstance(value, int | float)
                        cells.append(
                            {
                                "submission_id": next_id,
                                "row_key": row_key,
                                "column_key": col_key,
                                "value": value if number else None,
                                "text": None if number or value is None else str(value),
                            }
                        )
            next_id += 1
    for model, rows in (
        (ArchivedFile, files),
        (Submission, subs),
        (ValidationFinding.__table__, findings),
        (SubmittedValue.__table__, cells),
    ):
        if rows:
            session.execute(sa.insert(model), rows)
    return len(subs)
