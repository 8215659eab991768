"""The 预检 folder through the real collect DAG, with a real SMTP server: a unit that drops a
file there gets one mail naming every problem by sheet, row and column (or saying the file
would be accepted and must now go into the unit folder itself); nothing is stored as a
submission, and re-runs send nothing twice — on a local folder and on a Samba share."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import sqlalchemy as sa
import yaml

from campaign_ops import INCLUDE_DIR, PROJECT_ROOT
from campaign_ops.campaign import Campaign, get_campaign
from campaign_ops.intake.archive_files import archive_path, sha256_of
from campaign_ops.synthetic import write_submission
from campaign_ops.vocabulary import MAIL_KIND_LABELS

CAMPAIGN = "ankang-2023-internet-ads"
BEIJING = dt.timezone(dt.timedelta(hours=8))
RUN_AT = dt.datetime(2023, 5, 9, 15, 0, tzinfo=BEIJING)
PRECHECK = MAIL_KIND_LABELS["precheck"]
RECEIPT = MAIL_KIND_LABELS["receipt"]


def put_table(c: Campaign, unit: str, dest: Path, work: Path, **kw) -> bytes:
    """A filled-in template saved an hour ago (settled: not still being copied)."""
    made, _ = write_submission(c, "r1", unit, "ankang-work-stats", work / f"{unit}.xlsx", **kw)
    data = made.read_bytes()
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    old = (dt.datetime.now() - dt.timedelta(hours=1)).timestamp()
    os.utime(dest, (old, old))
    return data


def collect(at: dt.datetime, campaigns: Path | None = None) -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
    assert not bag.import_errors
    assert bag.dags[f"{CAMPAIGN}__collect"].test(logical_date=at).state == "success"


def mails_of(server, kind: str) -> dict[str, list]:
    """Received mails of one kind (by the subject's vocabulary word), by recipient."""
    out: dict[str, list] = {}
    for m in server.messages():
        if kind in str(m["Subject"]):
            out.setdefault(str(m["To"]), []).append(m)
    return out


def text(m) -> str:
    return m.get_body(("plain",)).get_content()


def html(m) -> str:
    return m.get_body(("html",)).get_content()


def stored(url: str) -> tuple[set, list]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        units = {r[0] for r in conn.execute(sa.text("select unit_code from submissions"))}
        paths = [r[0] for r in conn.execute(sa.text("select path from intake_events"))]
    engine.dispose()
    return units, paths


def test_precheck_folder_answers_each_content_once_and_stores_nothing(
    state, smtp, airflow_db, tmp_path
):
    c = get_campaign(CAMPAIGN)
    drop = state / "dropzone" / c.drop_zone.path
    work = tmp_path / "work"
    hanbin = drop / "汉滨区市场监督管理局/预检/工作情况统计表.xlsx"
    bad = put_table(c, "hanbin", hanbin, work, broken=True)
    good = put_table(c, "hanyin", drop / "汉阴县局/预检/统计表（试填）.xlsx", work, seed=4)
    put_table(c, "shiquan", drop / "石泉县局/工作情况统计表.xlsx", work, seed=5)  # a real one

    collect(RUN_AT)

    answers = mails_of(smtp, PRECHECK)
    assert sorted(answers) == [c.unit("hanbin").emails[0], c.unit("hanyin").emails[0]]
    [to_hanbin] = answers[c.unit("hanbin").emails[0]]
    body = text(to_hanbin)
    # each problem where a clerk finds it: sheet, row, column, cell, the value typed
    assert re.search(r"工作表“工作情况统计表”，“[^”]+”行，“本期数”栏，单元格 [A-Z]+\d+", body)
    assert "填写的值：-5" in body and "会被退回" in body
    assert "campaign-ops" not in body + html(to_hanbin)
    assert "有 1 处问题需要修改" in str(to_hanbin["Subject"])
    [to_hanyin] = answers[c.unit("hanyin").emails[0]]
    body = text(to_hanyin)
    assert "可以接收" in str(to_hanyin["Subject"]) and "预检不算报送" in body
    assert f"{drop}/汉阴县局" in body  # back to the folder the clerk used, by its path
    # nothing became a submission; the real file alongside did, and only it got a receipt
    units, paths = stored(os.environ["CAMPAIGN_OPS_DATABASE_URL"])
    assert units == {"shiquan"} and not [p for p in paths if "预检" in p]
    assert list(mails_of(smtp, RECEIPT)) == [c.unit("shiquan").emails[0]]
    # nothing lost: both files are in the archive under their sha256
    for data in (bad, good):
        assert archive_path(sha256_of(data)).read_bytes() == data

    before = len(smtp.received)
    collect(RUN_AT + dt.timedelta(minutes=30))  # the files are still there: no mail again
    assert len(smtp.received) == before

    # the unit fixes its file in the 预检 folder: one new answer, for the new content only
    put_table(c, "hanbin", hanbin, work, seed=6)
    collect(RUN_AT + dt.timedelta(minutes=60))
    new = smtp.messages()[before:]
    assert [str(m["To"]) for m in new] == [c.unit("hanbin").emails[0]]
    assert "可以接收" in str(new[0]["Subject"])
    assert stored(os.environ["CAMPAIGN_OPS_DATABASE_URL"])[0] == {"shiquan"}

    # the clerk then puts the checked file into the unit folder itself: it counts, as a new
    # submission (not a "duplicate" of the pre-checked content), and gets its receipt
    moved = drop / "汉阴县局/统计表（试填）.xlsx"
    moved.write_bytes(good)
    os.utime(moved, (RUN_AT.timestamp(), RUN_AT.timestamp()))
    before = len(smtp.received)
    collect(RUN_AT + dt.timedelta(minutes=90))
    assert stored(os.environ["CAMPAIGN_OPS_DATABASE_URL"])[0] == {"shiquan", "hanyin"}
    [receipt] = smtp.messages()[before:]
    assert RECEIPT in str(receipt["Subject"]) and "全部接收" in str(receipt["Subject"])


def test_precheck_on_a_samba_share_and_the_notice_names_the_share(
    state, smtp, airflow_db, samba_share, tmp_path, monkeypatch
):
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    data = yaml.safe_load((INCLUDE_DIR / "campaigns" / f"{CAMPAIGN}.yaml").read_text("utf-8"))
    data["drop_zone"] = {"kind": "smb", "path": f"{samba_share.share}/安康报送"}
    (campaigns / f"{CAMPAIGN}.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(campaigns))
    login = {
        "conn_type": "samba",
        "host": samba_share.host,
        "port": samba_share.port,
        "login": samba_share.username,
        "password": samba_share.password,
    }
    monkeypatch.setenv("AIRFLOW_CONN_CAMPAIGN_OPS_SHARE", json.dumps(login))
    c = get_campaign(CAMPAIGN)
    drop = samba_share.share_dir / "安康报送"
    put_table(c, "hanbin", drop / "汉滨区市场监督管理局/预检/统计表.xlsx", tmp_path, broken=True)
    try:
        # the mobilization notice: the share as a clerk types it, the unit folder, 预检
        from campaign_ops.cli import main

        assert main(["remind", CAMPAIGN, "--at", "2023-05-09T09:00"]) == 0
        [notice] = mails_of(smtp, "动员部署通知")[c.unit("hanbin").emails[0]]
        share = f"\\\\{samba_share.host}\\{samba_share.share}\\安康报送"
        for body in (text(notice), html(notice)):
            assert share in body
            assert f"{share}\\汉滨区市场监督管理局" in body
            assert f"{share}\\汉滨区市场监督管理局\\预检" in body
            assert "campaign-ops" not in body

        collect(RUN_AT)
        [answer] = mails_of(smtp, PRECHECK)[c.unit("hanbin").emails[0]]
        assert "“本期数”栏" in text(answer) and f"{share}\\汉滨区市场监督管理局" in text(answer)
        assert stored(os.environ["CAMPAIGN_OPS_DATABASE_URL"])[0] == set()
        before = len(smtp.received)
        collect(RUN_AT + dt.timedelta(minutes=30))
        assert len(smtp.received) == before
    finally:
        import shutil

        shutil.rmtree(drop)
