"""``campaign-ops draft``: writes a YAML that lints, named after OUT, prints the Chinese summary,
and never overwrites a reviewed file without --force."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from campaign_ops.cli import main

from .seeds import SEEDS

ANKANG = SEEDS / "000_15b4e97cc9af4117.txt"
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="seed circulars not on this machine")


def test_draft_writes_a_linting_campaign_named_after_out(tmp_path, capsys):
    out = tmp_path / "ankang-2023-ads-draft.yaml"
    assert main(["draft", str(ANKANG), "-o", str(out), "--roster", "ankang"]) == 0
    printed = capsys.readouterr().out
    assert "id: ankang-2023-ads-draft" in out.read_text(encoding="utf-8")
    assert "安市监函〔2023〕229号" in printed and "2023年5月9日" in printed
    assert "报送轮次 6 个" in printed and "需要人工核实" in printed
    assert "检查通过" in printed
    assert main(["lint", str(out)]) == 0


def test_draft_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "reviewed.yaml"
    out.write_text("# 已核实的配置\n", encoding="utf-8")
    assert main(["draft", str(ANKANG), "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "# 已核实的配置\n"
    assert main(["draft", str(ANKANG), "-o", str(out), "--force"]) == 0
    assert "id: reviewed" in out.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".reviewed.yaml.*"))  # no temporary file left behind


def test_out_name_that_is_no_campaign_id_is_explained(tmp_path, capsys):
    out = tmp_path / "安康通知.yaml"
    main(["draft", str(ANKANG), "-o", str(out)])
    printed = capsys.readouterr().out
    assert "不能作行动编号" in printed and "circular-2023-0509.yaml" in printed


def test_unknown_roster_and_unreadable_file_are_user_errors(tmp_path, capsys):
    out = tmp_path / "x.yaml"
    assert main(["draft", str(ANKANG), "-o", str(out), "--roster", "ankng"]) == 2
    assert "ankang" in capsys.readouterr().err  # the roster it probably meant
    doc = tmp_path / "通知.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0")
    assert main(["draft", str(doc), "-o", str(out)]) == 2
    assert "另存为 .docx" in capsys.readouterr().err
    assert not out.exists()


def test_circular_text_from_standard_input(tmp_path):
    """`campaign-ops draft - -o OUT` reads the circular's text piped in (GB18030 too)."""
    out = tmp_path / "ankang-piped.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "campaign_ops.cli", "draft", "-", "-o", str(out)],
        input=ANKANG.read_text(encoding="utf-8").encode("gb18030"),
        capture_output=True,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "document_number: 安市监函〔2023〕229号" in out.read_text(encoding="utf-8")
    assert "source:" not in out.read_text(encoding="utf-8")


def test_a_draft_in_the_campaigns_folder_is_warned_about(tmp_path, capsys, monkeypatch):
    """Airflow schedules whatever is in the campaigns folder: an unreviewed draft there is
    said to be live."""
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(tmp_path))
    assert main(["draft", str(ANKANG), "-o", str(tmp_path / "new-one.yaml")]) == 0
    printed = capsys.readouterr().out
    assert "Airflow 下次扫描即会按它排程" in printed and "下一步" not in printed
