"""The five seed campaigns, checked against the circulars they were encoded from.

Each assertion is a fact a user can look up in ``shared/seeds/`` (document number, dates,
deliverables, who is responsible for what) or a local choice the YAML records in
``assumptions:``. If a test here fails after an edit, either the YAML drifted from the circular
or the circular was re-read: fix whichever is wrong, never just the test.
"""

from __future__ import annotations

import datetime as dt
import re

import holidays
import pytest

from campaign_ops import INCLUDE_DIR
from campaign_ops.addresses import is_reserved_address, sendable_addresses
from campaign_ops.campaign import (
    Campaign,
    load_campaign_file,
)

CAMPAIGNS_DIR = INCLUDE_DIR / "campaigns"
SEED_IDS = (
    "ankang-2023-internet-ads",
    "saic-2016-internet-ads",
    "huangshan-2024-network-market",
    "fangxian-2023-livestream",
    "maanshan-2024-livestream",
)
# Form ids agreed with the engineer writing include/forms/.
KNOWN_FORMS = {
    "ankang-work-stats",
    "ankang-ad-cases",
    "huangshan-network-market",
    "livestream-subjects",
    "livestream-cases",
    "saic-internet-ads",
}
D = dt.date.fromisoformat


def load(campaign_id: str) -> Campaign:
    return load_campaign_file(CAMPAIGNS_DIR / f"{campaign_id}.yaml")


@pytest.fixture(scope="module", params=SEED_IDS)
def campaign(request: pytest.FixtureRequest) -> Campaign:
    return load(request.param)


def deadlines(c: Campaign) -> list[dt.date]:
    return [r.deadline for r in c.rounds]


def deliverable_keys(c: Campaign, round_id: str) -> set[str]:
    return {d.key for d in c.round(round_id).deliverables}


def phase(c: Campaign, name: str):
    (found,) = [p for p in c.phases if p.name == name]
    return found


def mentions(c: Campaign, *words: str) -> bool:
    """True if one assumption mentions every word: each local choice must be written down."""
    return any(all(w in a for w in words) for a in c.assumptions)


# ---- every seed campaign -------------------------------------------------------------------


def test_every_seed_file_is_present_and_loads():
    files = sorted(p.stem for p in CAMPAIGNS_DIR.glob("*.yaml"))
    assert set(SEED_IDS) <= set(files)
    for cid in SEED_IDS:
        assert load(cid).id == cid


def test_source_names_a_seed_file(campaign: Campaign):
    assert campaign.source and re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", campaign.source)


def test_every_sendable_address_is_reserved(campaign: Campaign):
    addresses = sendable_addresses(campaign)
    assert addresses
    real = [a for a in addresses if not is_reserved_address(a)]
    assert real == [], f"{campaign.id} 中有可能真实送达的邮箱：{real}"
    assert all(a.endswith(".example.invalid") for a in addresses)


def test_every_unit_has_a_contact_and_a_leader(campaign: Campaign):
    for unit in campaign.units:
        assert unit.emails, f"{unit.code} 没有联系人邮箱"
        assert unit.leader_emails, f"{unit.code} 没有 role: leader 的联系人"


def test_unit_names_and_aliases_are_unambiguous(campaign: Campaign):
    names = [n for u in campaign.units for n in u.names]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert dupes == []


def test_drop_zone_is_a_per_unit_folder_named_after_the_campaign(campaign: Campaign):
    dz = campaign.drop_zone
    assert (dz.kind, dz.path, dz.layout) == ("folder", campaign.id, "per_unit")


def test_forms_are_the_agreed_ids(campaign: Campaign):
    assert campaign.forms
    assert set(campaign.forms) <= KNOWN_FORMS


def test_assumptions_are_written_in_chinese(campaign: Campaign):
    assert len(campaign.assumptions) >= 3
    assert all(re.search(r"[\u4e00-\u9fff]", a) for a in campaign.assumptions)


def test_no_unit_code_is_also_a_department_code(campaign: Campaign):
    units = {u.code for u in campaign.units}
    assert units.isdisjoint(d.code for d in campaign.departments)


# ---- 000 安康 (exemplar) -----------------------------------------------------------------


def test_ankang_matches_circular():
    c = load("ankang-2023-internet-ads")
    assert c.document_number == "安市监函〔2023〕229号"
    assert c.issued_on == D("2023-05-09")
    assert (c.start, c.end) == (D("2023-05-09"), D("2023-12-31"))
    # “5月10日、7月10日、9月10日、11月10日前……12月10日前”；自查整改报告“6月10日、12月10日前”
    assert deadlines(c) == [
        D("2023-05-10"),
        D("2023-06-10"),
        D("2023-07-10"),
        D("2023-09-10"),
        D("2023-11-10"),
        D("2023-12-10"),
    ]
    assert deliverable_keys(c, "r1") == {
        "progress_note",
        "typical_cases",
        "ankang-work-stats",
        "ankang-ad-cases",
    }
    assert deliverable_keys(c, "r6") == {"summary", "self_check_report"}
    assert len(c.units) == 11
    assert c.unit("hengkou").name == "恒口示范区应急管理和市场监督管理局"
    assert c.unit("xunyang").name == "旬阳市市场监督管理局"
    contacts = {(cc.name, cc.phone, cc.email) for cc in c.circular_contacts}
    assert contacts == {
        ("王瑞岚", "8951831", "aksjggjg@126.com"),
        ("答福兰", "8951833", "aksjggjg@126.com"),
    }


# ---- 001 国家工商总局 ----------------------------------------------------------------------

PROVINCES = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
]
PLAN_CITIES = {
    "dalian": "大连",
    "qingdao": "青岛",
    "ningbo": "宁波",
    "xiamen": "厦门",
    "shenzhen": "深圳",
}
OTHER_SUB_PROVINCIAL = [
    "沈阳",
    "长春",
    "哈尔滨",
    "南京",
    "杭州",
    "济南",
    "武汉",
    "广州",
    "成都",
    "西安",
]


def test_saic_document_and_dates():
    c = load("saic-2016-internet-ads")
    assert c.authority == "国家工商行政管理总局"
    assert c.document_number == "工商广字〔2016〕148号"
    # 《暂行办法》2016年7月4日公布；发文日期未印出，取7月内的日期并写入 assumptions。
    assert D("2016-07-04") < c.issued_on <= D("2016-07-31")
    assert mentions(c, "发文日期")
    # “将于9月1日起施行”：施行日开始新阶段；“确保在9月1日以前整改到位”。
    assert c.phase_on(D("2016-08-31")).name == "宣传培训和督促整改"
    assert c.phase_on(D("2016-09-01")).start == D("2016-09-01")


def test_saic_rounds_are_marked_as_local_choices():
    c = load("saic-2016-internet-ads")
    assert c.round("r1").deadline == D("2016-09-01")
    assert deliverable_keys(c, "r1") == {"progress_note", "saic-internet-ads"}
    assert deliverable_keys(c, "r2") == {"summary", "typical_cases", "saic-internet-ads"}
    assert c.forms == ["saic-internet-ads"]
    assert mentions(c, "及时报告总局广告监督管理司", "本地假设")


def test_saic_units_are_the_31_provinces_and_15_sub_provincial_cities():
    c = load("saic-2016-internet-ads")
    provinces = [u for u in c.units if u.level == "province"]
    cities = [u for u in c.units if u.level == "city"]
    assert (len(provinces), len(cities), len(c.units)) == (31, 15, 46)
    for short in PROVINCES:
        assert any(u.name.startswith(short) for u in provinces), short
    for code, short in PLAN_CITIES.items():
        assert c.unit(code).name.startswith(short)
    for short in OTHER_SUB_PROVINCIAL:
        assert any(u.name.startswith(short) for u in cities), short
    assert c.unit("beijing").name == "北京市工商行政管理局"
    assert c.unit("tianjin").name == "天津市市场和质量监督管理委员会"
    assert c.unit("shaanxi").name == "陕西省工商行政管理局"
    assert c.unit("shanxi").name == "山西省工商行政管理局"
    assert c.unit("xinjiang").name == "新疆维吾尔自治区工商行政管理局"
    assert c.circular_contacts == ()


# ---- 002 黄山区 --------------------------------------------------------------------------

HUANGSHAN_ALL = {"scjg", "wangxin", "wenlvti", "gongan", "linye", "shangwu", "shuiwu"}


def test_huangshan_dates_and_deadline():
    c = load("huangshan-2024-network-market")
    assert "黄市监函〔2024〕61号" in c.summary
    assert c.document_number is None
    # “自即日起至11月”：开始日取6月1日并写入 assumptions。
    assert c.start == D("2024-06-01") and c.end == D("2024-11-30")
    assert mentions(c, "即日起", "6月1日")
    rectify, review = phase(c, "集中治理"), phase(c, "总结进展成效")
    assert rectify.start == D("2024-06-01") and rectify.end < review.start
    assert review.start == D("2024-11-01") and review.end == D("2024-11-30")
    assert mentions(c, "重叠")
    # “11月12日前……专项行动总结、统计表、图片视频资料、典型案例”
    (only,) = c.rounds
    assert only.deadline == D("2024-11-12")
    assert deliverable_keys(c, only.id) == {
        "summary",
        "huangshan-network-market",
        "photos_video",
        "typical_cases",
    }


def test_huangshan_units_are_the_seven_departments_with_circular_contacts():
    c = load("huangshan-2024-network-market")
    assert {u.code for u in c.units} == HUANGSHAN_ALL
    assert all(u.level == "department" for u in c.units)
    assert {u.short_name for u in c.units} == {
        "区市场监管局",
        "区委网信办",
        "区文旅体局",
        "区公安分局",
        "区林业局",
        "区商务局",
        "区税务局",
    }
    # 姓名与电话分两栏印出，按顺序对应。
    assert [(cc.department, cc.name, cc.phone) for cc in c.circular_contacts] == [
        ("区市场监管局", "赵志刚", "18955952972"),
        ("区委网信办", "汪志军", "13637201825"),
        ("区文旅体局", "苏然", "13855919947"),
        ("区公安分局", "左敏曾", "13955966535"),
        ("区林业局", "王静辉", "0559-8510026"),
        ("区商务局", "杜娓", "18755926287"),
        ("区税务局", "刘清", "18955953972"),
    ]
    assert mentions(c, "顺序")
    # the unit contact is the circular's person, reachable only on the reserved domain
    for cc in c.circular_contacts:
        (unit,) = [u for u in c.units if u.short_name == cc.department]
        (person,) = [p for p in unit.contacts if p.role == "contact"]
        assert (person.name, person.phone) == (cc.name, cc.phone)
        assert is_reserved_address(person.email)


@pytest.mark.parametrize(
    ("task", "responsible"),
    [
        ("t01", ["scjg"]),
        ("t05", ["wenlvti"]),
        ("t06", ["shangwu", "wenlvti", "scjg"]),
        ("t07", ["wangxin"]),
        ("t08", ["gongan"]),
        ("t12", ["wangxin", "gongan", "scjg"]),
        ("t13", ["shangwu", "scjg"]),
        ("t14", ["gongan"]),
        ("t15", ["shuiwu"]),
        ("t17", ["shangwu", "scjg"]),
        ("t19", ["scjg", "gongan"]),
        ("t24", ["wangxin", "gongan", "scjg"]),
        ("t25", ["gongan", "scjg"]),
        ("t29", ["scjg", "wangxin", "gongan"]),
        ("t30", ["wangxin", "gongan", "wenlvti", "scjg"]),
        ("t32", ["scjg", "linye"]),
        ("t33", ["wangxin", "gongan", "scjg"]),
    ],
)
def test_huangshan_task_owners_follow_the_parentheses(task: str, responsible: list[str]):
    c = load("huangshan-2024-network-market")
    (t,) = [t for t in c.tasks if t.id == task]
    assert list(t.responsible) == responsible


def test_huangshan_has_all_34_tasks():
    c = load("huangshan-2024-network-market")
    assert [t.id for t in c.tasks] == [f"t{i:02d}" for i in range(1, 35)]
    # “各有关单位按职责分工负责” = all seven departments
    for tid in ("t03", "t28", "t34"):
        (t,) = [t for t in c.tasks if t.id == tid]
        assert set(t.responsible) == HUANGSHAN_ALL
    # 林业局 only for 野生动植物 (32) and the shared tasks; 税务局 only for 刷单不申报纳税 (15)
    assert {t.id for t in c.tasks_of("linye")} == {"t03", "t28", "t32", "t34"}
    assert {t.id for t in c.tasks_of("shuiwu")} == {"t03", "t15", "t28", "t34"}
    assert len(c.tasks_of("scjg")) == 29
    assert {t.id for t in c.tasks_of("wenlvti")} == {"t03", "t05", "t06", "t28", "t30", "t34"}


# ---- 003 房县 ----------------------------------------------------------------------------

FANGXIAN_TOWNS = [
    "城关镇",
    "军店镇",
    "化龙堰镇",
    "土城镇",
    "大木厂镇",
    "青峰镇",
    "门古寺镇",
    "白鹤镇",
    "野人谷镇",
    "红塔镇",
    "窑淮镇",
    "尹吉甫镇",
    "姚坪乡",
    "沙河乡",
    "万峪河乡",
    "上龛乡",
    "中坝乡",
    "九道乡",
    "回龙乡",
    "五台乡",
]


def test_fangxian_phases_follow_the_work_steps():
    c = load("fangxian-2023-livestream")
    assert c.authority == "房县市场监督管理局"
    deploy, rectify, review = (phase(c, n) for n in ("动员部署", "集中整治", "总结评估"))
    assert deploy.end == D("2023-08-20")  # 即日起至8月20日
    assert (rectify.start, rectify.end) == (D("2023-08-21"), D("2023-10-06"))
    assert review.start == D("2023-10-07")  # 10月07日至（open end, chosen）
    assert deploy.start == c.issued_on and c.issued_on.year == 2023
    assert mentions(c, "10月31日") and mentions(c, "8月7日")


def test_fangxian_rounds_keep_the_holiday_date():
    c = load("fangxian-2023-livestream")
    r1, r2 = c.rounds
    # end of 集中整治, in the National Day holiday: kept as printed, the timeline flags it
    assert r1.deadline == D("2023-10-06")
    assert D("2023-10-06") in holidays.China(years=2023)
    assert mentions(c, "国庆")
    assert deliverable_keys(c, r1.id) == {
        "progress_note",
        "livestream-subjects",
        "livestream-cases",
    }
    assert r2.deadline > r1.deadline and c.phase_on(r2.deadline).name == "总结评估"
    assert {"summary", "typical_cases"} <= deliverable_keys(c, r2.id)
    assert set(c.forms) == {"livestream-subjects", "livestream-cases"}


def test_fangxian_units_are_the_townships():
    c = load("fangxian-2023-livestream")
    assert len(c.units) == 20
    assert all(u.level == "township" for u in c.units)
    assert [u.name.removesuffix("市场监督管理所") for u in c.units] == FANGXIAN_TOWNS
    assert c.unit("chengguan").short_name == "城关所"
    assert "城关镇" in c.unit("chengguan").aliases
    assert mentions(c, "监管所", "未核实")


# ---- 004 马鞍山 --------------------------------------------------------------------------


def test_maanshan_stages():
    c = load("maanshan-2024-livestream")
    assert c.issued_on == D("2024-05-28")
    assert c.document_number is None and "皖市监网监〔2024〕1号" in c.summary
    assert [(p.name, p.kind, p.start, p.end) for p in c.phases] == [
        ("夯实基础年", "stage", D("2024-05-28"), D("2024-12-31")),
        ("深入推进年", "stage", D("2025-01-01"), D("2025-12-31")),
        ("巩固提升年", "stage", D("2026-01-01"), D("2026-12-31")),
    ]


def test_maanshan_is_live_on_2026_11_23():
    c = load("maanshan-2024-livestream")
    today = D("2026-11-23")
    assert c.start <= today <= c.end
    assert c.phase_on(today).name == "巩固提升年"
    upcoming = [r for r in c.rounds if r.deadline >= today]
    assert [r.id for r in upcoming] == ["y2026"]
    assert upcoming[0].deadline == D("2026-12-10")


def test_maanshan_rounds():
    c = load("maanshan-2024-livestream")
    assert deadlines(c) == [
        D("2024-12-10"),
        D("2025-06-30"),
        D("2025-12-10"),
        D("2026-06-30"),
        D("2026-12-10"),
    ]
    stats = {"livestream-subjects", "livestream-cases"}
    for r in c.rounds:
        assert set(r.forms) == stats
        yearly = r.deadline.month == 12
        assert ({"summary", "typical_cases"} <= deliverable_keys(c, r.id)) is yearly
    assert mentions(c, "未定报送节点")


def test_maanshan_units_departments_and_tasks():
    c = load("maanshan-2024-livestream")
    counties = {"当涂县", "含山县", "和县", "花山区", "雨山区", "博望区"}
    assert {u.name.removesuffix("市场监督管理局") for u in c.units if u.level != "zone"} == counties
    zones = [u for u in c.units if u.level == "zone"]
    assert len(zones) == 3
    assert any("经济技术开发区" in n for u in zones for n in u.names)
    assert any("慈湖" in n for u in zones for n in u.names)
    assert any("郑蒲港" in n for u in zones for n in u.names)
    dept_names = {d.name for d in c.departments}
    assert {"网络交易监督管理科", "广告监督管理科", "执法稽查支队"} <= dept_names
    assert [t.title[:6] for t in c.tasks] == [
        "健全监管机制",
        "夯实监测基础",
        "加强监督管理",
        "提升服务质量",
    ]
    unit_codes = {u.code for u in c.units}
    for t in c.tasks:
        assert unit_codes <= set(t.responsible) and "wangjian" in t.responsible
    assert mentions(c, "科室", "本地假设")
