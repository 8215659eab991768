"""Working out who sent a file and what it is, from what counties really write."""

from __future__ import annotations

import pytest

from campaign_ops.campaign import DeliverableKind, get_campaign
from campaign_ops.intake.identify import (
    UnitMatcher,
    document_kind,
    matcher_for,
    unit_from_path,
)


@pytest.fixture(scope="module")
def ankang():
    return get_campaign("ankang-2023-internet-ads")


@pytest.mark.parametrize(
    "text, code",
    [
        ("汉滨区市场监督管理局", "hanbin"),
        ("汉滨区局", "hanbin"),
        ("汉滨区 市场监督管理局", "hanbin"),  # a space typed in the middle
        ("  汉阴县　市场监管局 ", "hanyin"),  # full-width space, alias
        ("旬阳县市场监督管理局", "xunyang"),  # the county's name before it became a city
        ("恒口示范区应急管理和市场监督管理局", "hengkou"),
        ("ＨＡＮＢＩＮ", "hanbin"),  # the code, in full-width letters
    ],
)
def test_unit_names_and_aliases(ankang, text, code):
    assert UnitMatcher(ankang).find(text).code == code


def test_a_reloaded_campaign_gets_a_matcher_of_its_own(ankang):
    """A scan reuses its campaign's matcher; a campaign loaded again (its YAML edited, a unit
    added) is matched with its own units, never with the matcher of the copy before."""
    assert matcher_for(ankang) is matcher_for(ankang)
    data = ankang.model_dump()
    new = {"code": "xinqu", "name": "新区市场监督管理局", "short_name": "新区局", "aliases": ()}
    data["units"] = [*data["units"], {**data["units"][0], **new}]
    edited = type(ankang).model_validate(data)
    assert matcher_for(ankang).find("新区局") is None
    assert matcher_for(edited).find("新区局").code == "xinqu"


def test_unit_from_nearest_folder_then_file_name(ankang):
    m = UnitMatcher(ankang)
    assert unit_from_path(m, "报送/紫阳县局/5月/统计表.xlsx").code == "ziyang"
    assert unit_from_path(m, "石泉县局工作情况统计表.xlsx").code == "shiquan"
    assert unit_from_path(m, "新建文件夹/统计表.xlsx") is None


def test_two_units_in_one_name_is_not_guessed(ankang):
    assert UnitMatcher(ankang).within("汉滨区局汉阴县局合并报送") is None


@pytest.mark.parametrize(
    "name, kind",
    [
        ("汉滨区局2023年互联网广告治理工作总结.docx", DeliverableKind.summary),
        ("典型案例（3件）.pdf", DeliverableKind.typical_cases),
        ("阶段性工作进展情况.doc", DeliverableKind.progress_note),
        ("企业自查整改报告.pdf", DeliverableKind.self_check_report),
        ("IMG_0042.JPG", DeliverableKind.photos_video),
        ("执法现场视频.mp4", DeliverableKind.photos_video),
        ("材料.docx", None),
    ],
)
def test_document_kind_from_file_name(name, kind):
    assert document_kind(name) == kind
