"""The collect DAG over a real drop zone: a mixed batch ends in exactly the right statuses,
every file is archived, and running again changes nothing — on a local folder and on a real
Samba share, with SQLite and with PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from airflow.dag_processing.dagbag import DagBag

from campaign_ops import INCLUDE_DIR, PROJECT_ROOT
from campaign_ops.campaign import get_campaign
from campaign_ops.intake.archive_files import archive_path, sha256_of
from campaign_ops.synthetic import write_submission

CAMPAIGN = "ankang-2023-internet-ads"
# the collect run happens the morning after the first deadline (2023-05-10 18:00)
RUN_AT = dt.datetime(2023, 5, 11, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ON_TIME = dt.datetime(2023, 5, 10, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
LATE = dt.datetime(2023, 5, 11, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _put(path: Path, data: bytes, when: dt.datetime | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if when is not None:
        os.utime(path, (when.timestamp(), when.timestamp()))


def make_batch(drop: Path, work: Path) -> dict[str, str]:
    """The mixed batch; returns path → the outcome a unit should see."""
    c = get_campaign(CAMPAIGN)
    files: dict[str, str] = {}

    def table(unit: str, form: str, name: str, when, **kw) -> bytes:
        p, _ = write_submission(c, "r1", unit, form, work / f"{unit}-{form}-{name}.xlsx", **kw)
        data = p.read_bytes()
        _put(drop / name, data, when)
        return data

    table("hanbin", "ankang-work-stats", "汉滨区市场监督管理局/工作情况统计表.xlsx", ON_TIME)
    files["汉滨区市场监督管理局/工作情况统计表.xlsx"] = "accepted"
    table("hanyin", "ankang-work-stats", "汉阴县局/工作情况统计表（5月）.xlsx", LATE, style="text")
    files["汉阴县局/工作情况统计表（5月）.xlsx"] = "accepted"
    table("shiquan", "ankang-work-stats", "石泉县局/工作情况统计表.xlsx", ON_TIME, broken=True)
    files["石泉县局/工作情况统计表.xlsx"] = "rejected"
    # resubmission: a first version on time, a corrected one later → v2 supersedes v1
    table("ningshan", "ankang-ad-cases", "宁陕县局/案件统计表-初稿.xlsx", ON_TIME, seed=1)
    files["宁陕县局/案件统计表-初稿.xlsx"] = "accepted"
    table("ningshan", "ankang-ad-cases", "宁陕县局/案件统计表-修改.xlsx", LATE, seed=2)
    files["宁陕县局/案件统计表-修改.xlsx"] = "accepted"
    # the same content twice
    data = table("ziyang", "ankang-work-stats", "紫阳县局/工作情况统计表.xlsx", ON_TIME, seed=3)
    _put(drop / "紫阳县局/工作情况统计表（副本）.xlsx", data, ON_TIME)
    files["紫阳县局/工作情况统计表.xlsx"] = "accepted"
    files["紫阳县局/工作情况统计表（副本）.xlsx"] = "duplicate"
    # documents
    _put(drop / "汉滨区市场监督管理局/典型案例汇编.docx", b"PK\x03\x04 docx bytes", ON_TIME)
    files["汉滨区市场监督管理局/典型案例汇编.docx"] = "accepted"
    # still being copied: empty, and a truncated workbook modified just now
    _put(drop / "岚皋县局/工作情况统计表.xlsx", b"", None)
    files["岚皋县局/工作情况统计表.xlsx"] = "not_ready"
    _put(drop / "平利县局/工作情况统计表.xlsx", data[: len(data) // 2], None)
    files["平利县局/工作情况统计表.xlsx"] = "not_ready"
    # an old .xls: refused with what to do, recorded as the unit's rejected statistics
    _put(
        drop / "镇坪县局/工作情况统计表.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
        ON_TIME,
    )
    files["镇坪县局/工作情况统计表.xls"] = "rejected"
    # nobody can tell whose this is
    _put(drop / "新建文件夹/工作总结.docx", b"PK\x03\x04 whose summary?", ON_TIME)
    files["新建文件夹/工作总结.docx"] = "unidentified"
    return files


def _state(url: str) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"select count(*) from {t}")).scalar()
            for t in ("archived_files", "submissions", "submitted_values", "validation_findings")
        }
        subs = conn.execute(
            sa.text(
                "select unit_code, deliverable_key, version, status, on_time from submissions"
                " order by unit_code, deliverable_key, version"
            )
        ).all()
        events = dict(conn.execute(sa.text("select path, outcome from intake_events")).all())
    engine.dispose()
    return {"counts": counts, "subs": [tuple(s) for s in subs], "events": events}


def _run_collect(campaigns_dir: Path):
    bag = DagBag(dag_folder=PROJECT_ROOT / "dags")
    assert not bag.import_errors
    return bag.dags[f"{CAMPAIGN}__collect"].test(logical_date=RUN_AT)


def _check(files: dict[str, str], state: dict, drop_bytes: dict[str, bytes]) -> None:
    # every final outcome is the expected one; not-ready files have no final outcome yet
    for path, expected in files.items():
        got = state["events"].get(path)
        assert got == expected, f"{path}: {got} != {expected}"
    subs = state["subs"]
    assert ("hanbin", "ankang-work-stats", 1, "accepted", True) in subs
    assert ("hanyin", "ankang-work-stats", 1, "accepted", False) in subs  # late
    assert ("shiquan", "ankang-work-stats", 1, "rejected", True) in subs
    assert ("ningshan", "ankang-ad-cases", 1, "superseded", True) in subs
    assert ("ningshan", "ankang-ad-cases", 2, "accepted", False) in subs
    assert ("hanbin", "typical_cases", 1, "accepted", True) in subs
    assert ("zhenping", "ankang-work-stats", 1, "rejected", True) in subs
    assert state["counts"]["validation_findings"] >= 1
    # every complete file's bytes are in the archive, unchanged
    for path, data in drop_bytes.items():
        if files.get(path) != "not_ready":
            assert archive_path(sha256_of(data)).read_bytes() == data, path


@pytest.fixture
def state_home(tmp_path, monkeypatch, airflow_db):
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def test_collect_dag_on_a_local_folder(state_home, warehouse_url, tmp_path):
    drop = state_home / "dropzone" / CAMPAIGN
    files = make_batch(drop, tmp_path / "work")
    drop_bytes = {p.relative_to(drop).as_posix(): p.read_bytes() for p in drop.rglob("*.*")}

    run = _run_collect(INCLUDE_DIR / "campaigns")
    assert run.state == "success"
    first = _state(warehouse_url)
    _check(files, first, drop_bytes)

    receipts = sorted((state_home / "outbox").rglob("receipt-*.eml"))
    assert {p.name.split("-")[-1].removesuffix(".eml") for p in receipts} == {
        "hanbin",
        "hanyin",
        "shiquan",
        "ningshan",
        "ziyang",
        "zhenping",
    }  # one receipt per unit with processed files; none for not-ready or unknown files
    shiquan = next(p for p in receipts if p.name.endswith("-shiquan.eml"))
    mail = email.message_from_bytes(shiquan.read_bytes(), policy=email.policy.default)
    assert "退回" in str(mail["Subject"]) or "需要修改" in str(mail["Subject"])
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "工作情况统计表.xlsx" in body and "-5" in body  # names the file and the bad value

    rerun = _run_collect(INCLUDE_DIR / "campaigns")
    assert rerun.state == "success"
    assert _state(warehouse_url) == first  # nothing processed twice, nothing doubled
    assert sorted((state_home / "outbox").rglob("receipt-*.eml")) == receipts  # no new mail


def test_collect_dag_on_a_samba_share(state_home, samba_share, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    monkeypatch.setenv("CAMPAIGN_OPS_DATABASE_URL", url)
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    data = yaml.safe_load((INCLUDE_DIR / "campaigns" / f"{CAMPAIGN}.yaml").read_text("utf-8"))
    data["drop_zone"] = {
        "kind": "smb",
        "path": f"{samba_share.share}/安康报送",
        "layout": "per_unit",
    }
    (campaigns / f"{CAMPAIGN}.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(campaigns))
    monkeypatch.setenv(
        "AIRFLOW_CONN_CAMPAIGN_OPS_SHARE",
        json.dumps(
            {
                "conn_type": "samba",
                "host": samba_share.host,
                "port": samba_share.port,
                "login": samba_share.username,
                "password": samba_share.password,
            }
        ),
    )
    drop = samba_share.share_dir / "安康报送"
    files = make_batch(drop, tmp_path / "work")
    drop_bytes = {p.relative_to(drop).as_posix(): p.read_bytes() for p in drop.rglob("*.*")}

    from campaign_ops.store import upgrade

    upgrade()
    run = _run_collect(campaigns)
    assert run.state == "success"
    first = _state(url)
    _check(files, first, drop_bytes)
    assert _run_collect(campaigns).state == "success"
    assert _state(url) == first
    shutil.rmtree(drop)
