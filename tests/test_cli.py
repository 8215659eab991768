"""The ``campaign-ops`` command line as ops staff use it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from campaign_ops import INCLUDE_DIR
from campaign_ops.cli import main

CLI = [sys.executable, "-m", "campaign_ops.cli"]


def test_list_shows_every_seed_campaign(capsys):
    assert main(["list", "--json"]) == 0
    ids = {row["id"] for row in json.loads(capsys.readouterr().out)}
    assert {
        "ankang-2023-internet-ads",
        "saic-2016-internet-ads",
        "huangshan-2024-network-market",
        "fangxian-2023-livestream",
        "maanshan-2024-livestream",
    } <= ids


def test_lint_passes_on_seeds_and_fails_clearly_on_a_broken_file(tmp_path):
    assert subprocess.run([*CLI, "lint"], capture_output=True).returncode == 0
    broken = tmp_path / "broken-campaign.yaml"
    text = (INCLUDE_DIR / "campaigns" / "ankang-2023-internet-ads.yaml").read_text("utf-8")
    broken.write_text(
        text.replace("id: ankang-2023-internet-ads", "id: broken-campaign").replace(
            "deadline: 2023-07-10", "deadline: 2023-07-32"
        ),
        encoding="utf-8",
    )
    done = subprocess.run([*CLI, "lint", str(broken)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "broken-campaign.yaml" in done.stderr
    line = text[: text.index("deadline: 2023-07-10")].count("\n") + 1
    assert f"broken-campaign.yaml:rounds[r3].deadline（第{line}行）：" in done.stderr
    assert "2023年7月没有32日" in done.stderr


def test_timeline_json_has_the_documented_shape(capsys):
    assert main(["timeline", "ankang-2023-internet-ads", "--json"]) == 0
    events = json.loads(capsys.readouterr().out)
    kinds = {"phase_start", "phase_end", "deadline", "reminder", "report"}
    assert {e["kind"] for e in events} == kinds
    for e in events:
        assert {"date", "time", "kind", "title"} <= e.keys()
        if e["kind"] == "deadline":
            assert e["round"] and e["deliverables"]
    assert [e["date"] for e in events if e["kind"] == "deadline"] == [
        "2023-05-10",
        "2023-06-10",
        "2023-07-10",
        "2023-09-10",
        "2023-11-10",
        "2023-12-10",
    ]
    assert events[0] == {
        "date": "2023-05-09",
        "time": None,
        "kind": "phase_start",
        "title": "阶段开始：动员部署",
        "phase": "deploy",
    }


def test_unknown_campaign_is_a_user_error(capsys):
    assert main(["timeline", "no-such-campaign"]) == 2
    assert "没有专项行动 no-such-campaign" in capsys.readouterr().err


def test_a_misspelt_campaign_or_unit_gets_a_suggestion(capsys, tmp_path):
    assert main(["timeline", "ankang-2023-internet-adz"]) == 2
    err = capsys.readouterr().err
    assert (
        err == "错误：没有专项行动 ankang-2023-internet-adz，是否应为 ankang-2023-internet-ads？\n"
    )
    for typed in ("hanbn", "汉滨区局"):  # a typo, and the unit's short name instead of its code
        assert (
            main(["template", "ankang-2023-internet-ads", "--unit", typed, "-o", str(tmp_path)])
            == 2
        )
        assert capsys.readouterr().err.endswith("的报送单位，是否应为 hanbin？\n")


def test_console_script_is_installed():
    exe = shutil.which("campaign-ops", path=str(__import__("pathlib").Path(sys.executable).parent))
    if exe is None:
        pytest.fail("campaign-ops is not installed in the venv: run make install")
    assert subprocess.run([exe, "--help"], capture_output=True).returncode == 0


# Deadlines as the circulars give them (or, where a circular is silent, as the YAML's
# assumptions record them); the timeline must carry exactly these, with the first day opening
# a phase and each phase's last day closing it.
SEED_DEADLINES = {
    "ankang-2023-internet-ads": [
        "2023-05-10",
        "2023-06-10",
        "2023-07-10",
        "2023-09-10",
        "2023-11-10",
        "2023-12-10",
    ],
    "huangshan-2024-network-market": ["2024-11-12"],
    "fangxian-2023-livestream": ["2023-10-06", "2023-10-27"],
    "maanshan-2024-livestream": [
        "2024-12-10",
        "2025-06-30",
        "2025-12-10",
        "2026-06-30",
        "2026-12-10",
    ],
    "saic-2016-internet-ads": ["2016-09-01", "2016-12-15"],
}
SEED_PHASE_STARTS = {
    "fangxian-2023-livestream": ["2023-08-21"],  # 集中整治（8月21日至10月6日）
    "maanshan-2024-livestream": ["2025-01-01", "2026-01-01"],  # 深入推进年, 巩固提升年
}


@pytest.mark.parametrize("campaign_id", sorted(SEED_DEADLINES))
def test_timeline_json_of_every_seed_gives_the_circulars_dates(campaign_id, capsys):
    assert main(["timeline", campaign_id, "--json"]) == 0
    events = json.loads(capsys.readouterr().out)
    deadlines = [e["date"] for e in events if e["kind"] == "deadline"]
    assert deadlines == SEED_DEADLINES[campaign_id]
    starts = [e["date"] for e in events if e["kind"] == "phase_start"]
    assert starts[0] == events[0]["date"]
    assert set(SEED_PHASE_STARTS.get(campaign_id, [])) <= set(starts)
    assert all(e["deliverables"] for e in events if e["kind"] == "deadline")
