"""The ``review:`` block as ops staff meet it in ``campaign-ops lint``: a required review
without reviewers and an ``applies_to`` no round asks for are said in Chinese, at the line to
edit; the seed campaign's own block is clean and applies where the YAML says."""

from __future__ import annotations

from pathlib import Path

from campaign_ops import INCLUDE_DIR
from campaign_ops.campaign import get_campaign
from campaign_ops.cli import main

ANKANG = INCLUDE_DIR / "campaigns" / "ankang-2023-internet-ads.yaml"
BLOCK = "  reviewers: [guanggaoke]\n  applies_to: [ankang-work-stats, ankang-ad-cases]\n"


def _ankang_with(tmp_path: Path, new_block: str) -> Path:
    text = ANKANG.read_text("utf-8")
    assert BLOCK in text
    path = tmp_path / ANKANG.name
    path.write_text(text.replace(BLOCK, new_block, 1), encoding="utf-8")
    return path


def test_review_mistakes_are_said_at_their_lines(tmp_path, capsys) -> None:
    path = _ankang_with(tmp_path, "  reviewers: []\n  applies_to: [ankang-work-stat, summary]\n")
    assert main(["lint", str(path)]) == 1
    err = capsys.readouterr().err
    lines = ANKANG.read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(lines, 1) if line.startswith("  reviewers:"))
    assert (
        f"review.reviewers（第{at}行）：" in err and f"review.applies_to[1]（第{at + 1}行）" in err
    )
    assert "要求审核（required: true）时必须写明审核人" in err
    assert "ankang-work-stat 不是本行动任何一轮要报送的表单编号或材料类型" in err
    assert "ankang-work-stats" in err  # the suggestion
    assert "summary 不是" not in err  # a kind the rounds ask for is fine


def test_the_seed_policy_covers_the_statistics_forms_only() -> None:
    campaign = get_campaign("ankang-2023-internet-ads")
    r1 = campaign.round("r1")
    covered = [d.key for d in r1.deliverables if campaign.review.applies(d)]
    assert covered == ["ankang-work-stats", "ankang-ad-cases"]
    assert campaign.review.on_timeout == "remind"
    assert not get_campaign("fangxian-2023-livestream").review.required
