"""The Windows share going away while the real collect DAG lists or reads it.

A Samba server of our own (the session's shared one must stay up) is killed with SIGKILL at
an exact point of the real code path: while the listing walks into a unit's folder, or just
before the third file is read. Then it comes back on the same port and the DAG runs again.
What must hold: nothing false is recorded while the share is away (no outcome, no
submission, no receipt for a file that was not read), and in the end every file is archived
once, every accepted figure stored once, and each unit gets one receipt.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from services._common import free_port, port_open, wait_for
from services.samba import SMBD, SambaServer
from services.smtp import SmtpServer

from campaign_ops import INCLUDE_DIR
from faults.helpers import (
    CAMPAIGN,
    COLLECT_AT,
    UNITS,
    Batch,
    archive_files,
    assert_collected_once,
    assert_ledger_truthful,
    drop_round1,
    receipts_received,
    warehouse,
)

FOLDER = "安康报送"


def kill_smbd(server: SambaServer) -> None:
    """The share vanishes: smbd and the children serving open connections die at once."""
    assert server.process is not None
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()
    server.process = None


def restart_smbd(server: SambaServer) -> None:
    """The share comes back: the same configuration, port, users and files."""
    assert server.base is not None and server.process is None
    server.process = subprocess.Popen(
        [SMBD, "--foreground", "--no-process-group", "-s", str(server.base / "smb.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for(lambda: port_open(server.port), timeout=20, what="smbd after restart")


@pytest.fixture(scope="module")
def own_share() -> Iterator[SambaServer]:
    import smbclient

    if os.geteuid() != 0:
        pytest.skip("smbd for tests needs root (CI runs as root)")
    server = SambaServer(port=free_port()).start()
    yield server
    smbclient.reset_connection_cache()
    if server.process is None and server.base is not None:
        restart_smbd(server)  # so that stop() finds a process group to end
    server.stop()


@pytest.fixture
def share(
    own_share: SambaServer, state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SambaServer]:
    """The campaign's drop zone on ``own_share``, reached through the Airflow Connection."""
    if own_share.process is None:
        restart_smbd(own_share)
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    data = yaml.safe_load((INCLUDE_DIR / "campaigns" / f"{CAMPAIGN}.yaml").read_text("utf-8"))
    data["drop_zone"] = {"kind": "smb", "path": f"{own_share.share}/{FOLDER}", "layout": "per_unit"}
    (campaigns / f"{CAMPAIGN}.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(campaigns))
    connection = {
        "conn_type": "samba",
        "host": own_share.host,
        "port": own_share.port,
        "login": own_share.username,
        "password": own_share.password,
    }
    monkeypatch.setenv("AIRFLOW_CONN_CAMPAIGN_OPS_SHARE", json.dumps(connection))
    yield own_share
    subprocess.run(["rm", "-rf", str(own_share.share_dir / FOLDER)], check=True)


def drop(share: SambaServer, tmp_path: Path) -> Batch:
    batch = drop_round1(share.share_dir / FOLDER, tmp_path / "work")
    assert len(batch.files) == len(UNITS) >= 4
    return batch


def kill_while_listing(share: SambaServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kill smbd as the listing walks into the third unit's folder (two already listed)."""
    from campaign_ops.intake.sources import SmbSource

    walk = SmbSource._walk
    folders: list[str] = []

    def walking(self, smbclient, unc: str, rel: str):
        if rel:
            folders.append(rel)
            if len(folders) == 3 and share.process is not None:
                kill_smbd(share)
        yield from walk(self, smbclient, unc, rel)

    monkeypatch.setattr(SmbSource, "_walk", walking)


def kill_while_reading(share: SambaServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kill smbd after two files were read, before the third."""
    from campaign_ops.intake.sources import SmbSource

    read = SmbSource.read
    reads: list[str] = []

    def reading(self, entry):
        reads.append(entry.path)
        if len(reads) == 3 and share.process is not None:
            kill_smbd(share)
        return read(self, entry)

    monkeypatch.setattr(SmbSource, "read", reading)


@pytest.mark.parametrize("when", ["listing", "reading"])
def test_share_lost_for_longer_than_the_retries(
    when: str,
    dags: dict,
    share: SambaServer,
    state: Path,
    smtp: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = os.environ["CAMPAIGN_OPS_DATABASE_URL"]
    batch = drop(share, tmp_path)
    (kill_while_listing if when == "listing" else kill_while_reading)(share, monkeypatch)

    run = dags["collect"].test(logical_date=COLLECT_AT)

    tries = {ti.task_id: ti.try_number for ti in run.get_task_instances()}
    assert run.state == "failed"
    failing = "intake.list_new_files" if when == "listing" else "intake.process_files"
    assert tries[failing] == 3  # the first try and both retries met the missing share
    during = warehouse(url)
    # nothing about any file is recorded while the share is away, and nobody is told anything
    assert during["events"] == [] and during["submissions"] == [] and during["values"] == []
    assert during["archived"] == [] and during["ledger"] == [] and smtp.received == []
    if when == "reading":
        # the two files read before the share vanished are safe in the archive already
        assert len(archive_files(state)) == 2
    else:
        assert archive_files(state) == []

    restart_smbd(share)
    assert dags["collect"].test(logical_date=COLLECT_AT).state == "success"
    assert dags["collect"].test(logical_date=COLLECT_AT).state == "success"  # again: no change

    after = warehouse(url)
    assert_collected_once(batch, after, state)
    assert receipts_received(smtp) == Counter(f"{u}@ankang-amr.example.invalid" for u in UNITS)
    assert_ledger_truthful(after["ledger"], smtp)


def test_share_back_before_the_retry(
    dags: dict,
    share: SambaServer,
    state: Path,
    smtp: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A short outage mid-read: Airflow's own retry finishes the scan in the same run, with
    a fresh connection in the same worker process (the cached one is dead)."""
    from campaign_ops import tasks

    url = os.environ["CAMPAIGN_OPS_DATABASE_URL"]
    batch = drop(share, tmp_path)
    kill_while_reading(share, monkeypatch)
    process_files = tasks.process_files
    calls: list[int] = []

    def process_after_outage(*args, **kwargs):
        calls.append(1)
        if share.process is None:
            restart_smbd(share)
        return process_files(*args, **kwargs)

    monkeypatch.setattr(tasks, "process_files", process_after_outage)

    run = dags["collect"].test(logical_date=COLLECT_AT)

    tries = {ti.task_id: ti.try_number for ti in run.get_task_instances()}
    assert run.state == "success"
    assert tries["intake.process_files"] == 2
    after = warehouse(url)
    assert_collected_once(batch, after, state)
    assert receipts_received(smtp) == Counter(f"{u}@ankang-amr.example.invalid" for u in UNITS)
    assert_ledger_truthful(after["ledger"], smtp)
