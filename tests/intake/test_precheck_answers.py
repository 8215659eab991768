"""Answers of the 预检 folder for files that are not a filled-in table, and where every mail
sends a clerk: the share as typed on Windows, the unit's folder, the 预检 folder in it."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import yaml

from campaign_ops import INCLUDE_DIR
from campaign_ops.campaign import get_campaign
from campaign_ops.demo import DEMO_CAMPAIGN as DEMO
from campaign_ops.intake.precheck import send_prechecks
from campaign_ops.intake.sources import FolderSource
from campaign_ops.remind.location import ROUND_FOLDER_HINT, UNKNOWN_SERVER, drop_location
from campaign_ops.vocabulary import MAIL_KIND_LABELS

MOMENT = dt.datetime(2023, 5, 9, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


class Counting(FolderSource):
    """A folder drop zone that counts the files it reads."""

    reads = 0

    def read(self, entry):
        self.reads += 1
        return super().read(entry)


def put(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    old = (dt.datetime.now() - dt.timedelta(hours=1)).timestamp()
    os.utime(path, (old, old))


def test_an_old_xls_a_document_and_a_half_copied_file_in_the_precheck_folder(ankang, smtp, state):
    drop = state / "dropzone" / ankang.drop_zone.path
    unit = ankang.unit("hanbin")
    put(drop / unit.name / "预检/统计表.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    put(drop / unit.name / "预检/工作总结.docx", b"PK\x03\x04 a summary")
    empty = drop / unit.name / "预检/还在复制.xlsx"
    put(empty, b"")
    source = Counting(drop)
    assert list(source.entries()) == []  # nothing in 预检 is ever a submission

    sent = send_prechecks(ankang, MOMENT, source)
    assert sorted(d.status for d in sent) == ["sent", "sent"]  # the empty file waits
    by_file = {d.message.context["file"]: d for d in sent}
    [xls, doc] = [
        next(r.message for r in smtp.received if name in str(r.message["Subject"]))
        for name in ("统计表.xls", "工作总结.docx")
    ]
    assert MAIL_KIND_LABELS["precheck"] in str(xls["Subject"])
    text = xls.get_body(("plain",)).get_content()
    # intake's answer: an old .xls is not read, and the name does not say which table it is
    assert "另存为" in text and ".xlsx" in text  # says what to do instead
    assert by_file["统计表.xls"].message.context["status"] == "unidentified"
    text = doc.get_body(("plain",)).get_content()
    # a document is identified and routed as intake will: what it would count for
    assert "检查通过" in text and f"{drop}/{unit.name}" in text
    assert "将计入：工作总结及企业自查整改书面报告（12月10日前） · 工作总结" in text
    source.reads = 0
    assert send_prechecks(ankang, MOMENT + dt.timedelta(minutes=30), source) == []
    assert source.reads == 0  # answered and unchanged: not even read again


def test_where_mails_send_a_clerk_for_each_kind_of_drop_zone(state, monkeypatch, tmp_path):
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    data = yaml.safe_load((INCLUDE_DIR / "campaigns" / f"{DEMO}.yaml").read_text("utf-8"))

    def with_zone(zone: dict):
        data["drop_zone"] = zone
        (campaigns / f"{DEMO}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(campaigns))
        c = get_campaign(DEMO)
        return c, c.unit("hanbin")

    monkeypatch.delenv("AIRFLOW_CONN_CAMPAIGN_OPS_SHARE", raising=False)
    c, unit = with_zone({"kind": "smb", "path": "dropzone/安康"})
    where = drop_location(c, unit)
    assert where.root == f"\\\\{UNKNOWN_SERVER}\\dropzone\\安康"  # no connection yet
    login = {"conn_type": "samba", "host": "10.0.0.5", "login": "u", "password": "p"}
    monkeypatch.setenv("AIRFLOW_CONN_CAMPAIGN_OPS_SHARE", json.dumps(login))
    where = drop_location(c, unit)
    assert where.unit_path == f"\\\\10.0.0.5\\dropzone\\安康\\{unit.name}"
    assert where.precheck_path == f"\\\\10.0.0.5\\dropzone\\安康\\{unit.name}\\预检"
    # the answer to a pre-check sends the file back to the folder the clerk used
    used = drop_location(c, unit, precheck_file="汉滨区局/预检/表.xlsx")
    assert used.unit_path == "\\\\10.0.0.5\\dropzone\\安康\\汉滨区局"

    c, unit = with_zone({"kind": "folder", "path": "/srv/安康", "layout": "per_round_unit"})
    where = drop_location(c, unit)
    assert where.unit_path == f"/srv/安康/{ROUND_FOLDER_HINT}/{unit.name}" and where.per_round

    c, unit = with_zone({"kind": "folder", "path": "/srv/安康", "layout": "flat"})
    where = drop_location(c, unit)
    assert where.unit_folder is None and where.precheck_path == "/srv/安康/预检"
