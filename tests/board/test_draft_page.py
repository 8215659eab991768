"""The 起草 page's logic without a server: what it shows of a YAML (calendar, holiday flags,
待核实 marks, lint problems in Chinese) and how it saves (once, never over another file)."""

from __future__ import annotations

from pathlib import Path

from campaign_ops import INCLUDE_DIR
from campaign_ops.board.draft_yaml import SaveOutcome, marked_lines, review, save_campaign
from campaign_ops.campaign_lint import lint_file
from campaign_ops.dag_factory import DAG_KINDS, build_all_dags, dag_id
from campaign_ops.vocabulary import TO_VERIFY

SEED = "ankang-2023-internet-ads"
NEW_ID = "ankang-2024-internet-ads"


def seed_yaml(new_id: str = NEW_ID) -> str:
    """A seed campaign under another id: a YAML known to lint, as a person might adapt it."""
    text = (INCLUDE_DIR / "campaigns" / f"{SEED}.yaml").read_text(encoding="utf-8")
    return text.replace(f"id: {SEED}\n", f"id: {new_id}\n", 1)


def test_the_review_lays_out_the_calendar_with_holiday_flags() -> None:
    result = review(seed_yaml())
    assert result.problems == []
    assert result.campaign_id == NEW_ID
    dates = [d.date for d in result.deadlines]
    assert dates[:3] == ["2023-05-10", "2023-06-10", "2023-07-10"]
    june = result.deadlines[1]
    assert june.weekday == "周六" and june.non_working_day == "周六"
    assert result.deadlines[0].non_working_day is None
    assert result.phases[0][0] == "动员部署"
    assert result.reminders > len(result.deadlines) and result.reports >= len(result.deadlines)


def test_lint_problems_are_chinese_and_name_the_line() -> None:
    broken = seed_yaml().replace("issued_on: 2023-05-09", "issued_on: 2023-13-40")
    result = review(broken)
    assert result.campaign is None and result.deadlines == []
    assert any("issued_on" in p or "印发日期" in p for p in result.problems), result.problems
    line = next(p for p in result.problems if "2023-13-40" in p)
    assert "第" in line and "行" in line


def test_marks_for_a_person_are_listed_with_their_line_and_reason() -> None:
    text = seed_yaml().replace(
        "issued_on: 2023-05-09", f"issued_on: 2023-05-09  # {TO_VERIFY}：年份按落款推定"
    )
    marked = marked_lines(text)
    assert len(marked) == 1
    assert marked[0].text == "issued_on: 2023-05-09" and marked[0].why == "年份按落款推定"
    assert text.splitlines()[marked[0].line - 1].startswith("issued_on:")
    above = seed_yaml().replace("issued_on:", f"# {TO_VERIFY}：按落款推定\n# 原文：“…”\nissued_on:")
    assert [(m.line, m.text) for m in marked_lines(above)] == [(10, "issued_on: 2023-05-09")]


def test_saving_writes_a_file_that_lints_and_builds_its_dags(tmp_path: Path) -> None:
    saved = save_campaign(seed_yaml().replace("\n", "\r\n"), tmp_path)  # as a browser sends it
    assert saved.outcome == SaveOutcome.saved
    assert saved.path == tmp_path / f"{NEW_ID}.yaml"
    assert b"\r\n" not in saved.path.read_bytes()
    assert lint_file(saved.path)[1] == []
    assert [p.name for p in tmp_path.iterdir()] == [f"{NEW_ID}.yaml"]  # no partial file left
    dags = build_all_dags(tmp_path)
    # the Ankang circular's campaign reviews county tables, so it has its review DAG too
    assert sorted(dags) == sorted(dag_id(NEW_ID, kind) for kind in (*DAG_KINDS, "review"))


def test_saving_never_overwrites_and_a_repeat_is_harmless(tmp_path: Path) -> None:
    first = save_campaign(seed_yaml(), tmp_path)
    assert first.outcome == SaveOutcome.saved
    before = first.path.read_bytes()
    again = save_campaign(seed_yaml(), tmp_path)
    assert again.outcome == SaveOutcome.unchanged
    other = seed_yaml().replace("title: 安康市互联网广告领域治理工作", "title: 另一个行动", 1)
    refused = save_campaign(other, tmp_path)
    assert refused.outcome == SaveOutcome.exists
    assert first.path.read_bytes() == before
    assert len(list(tmp_path.iterdir())) == 1


def test_an_invalid_yaml_is_not_saved(tmp_path: Path) -> None:
    saved = save_campaign(seed_yaml().replace("rounds:", "roundz:", 1), tmp_path)
    assert saved.outcome == SaveOutcome.invalid and saved.problems
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_said_not_raised(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the campaigns folder should be")
    saved = save_campaign(seed_yaml(), blocked / "campaigns")
    assert saved.outcome == SaveOutcome.unwritable
    assert saved.problems[0].startswith(f"无法写入 {blocked / 'campaigns'}")
    assert blocked.read_text() == "a file where the campaigns folder should be"


def test_an_unknown_roster_is_said_in_chinese_without_quotes() -> None:
    from campaign_ops.board.drafts import _draft, _why_not

    try:
        _draft("安康市市场监督管理局关于开展互联网广告专项整治的通知", None, "nowhere")
    except Exception as exc:  # what the page shows for it
        said = _why_not(exc)
    else:
        raise AssertionError("an unknown roster must not draft")
    assert said.startswith("没有单位名册 nowhere") and "ankang" in said and "'" not in said
