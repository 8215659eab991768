"""A mailbox that goes away in the middle of a fetch loses nothing and doubles nothing: the
real collect DAG against a real Dovecot that is killed (every connection cut) between two
messages — restarted at once (the reader reconnects and goes on), or only before the next
run (the run takes what was recorded, the next run the rest)."""

from __future__ import annotations

import campaign_ops.mailbox.intake as mail_intake
from tests.mailbox.helpers import (
    outcomes,
    receipts,
    run_collect,
    send_tables,
    warehouse_state,
)

UNITS = ("hanbin", "hanyin", "shiquan", "ningshan")


def deliver(imap, work) -> None:
    send_tables(imap, work, UNITS, "outage")


def kill_after(monkeypatch, imap, recorded: int, restart: bool) -> None:
    """Kill the server right after the ``recorded``-th message is recorded."""
    real = mail_intake.record_mail
    calls = {"n": 0}

    def record_then_cut(*args, **kwargs):
        result = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == recorded:
            imap.stop()
            if restart:
                imap.start()
        return result

    monkeypatch.setattr(mail_intake, "record_mail", record_then_cut)


def assert_each_once(state: dict, outbox) -> None:
    assert state["counts"]["mailbox_mails"] == len(UNITS)
    assert len({uid for uid, *_ in state["mails"]}) == len(UNITS)
    assert sorted(state["subs"]) == sorted(
        (u, "ankang-work-stats", 1, "accepted", True) for u in UNITS
    )
    assert set(outcomes(state).values()) == {"accepted"}
    replies = [str(m["In-Reply-To"]) for m in receipts(outbox).values()]
    assert sorted(replies) == sorted(f"<outage-{u}@ankang-amr.example.invalid>" for u in UNITS)


def test_a_restart_between_two_fetches_is_reconnected(
    state_home, warehouse_url, imap, tmp_path, monkeypatch
):
    deliver(imap, tmp_path / "work")
    kill_after(monkeypatch, imap, recorded=2, restart=True)

    assert run_collect().state == "success"
    first = warehouse_state(warehouse_url)
    assert_each_once(first, state_home / "outbox")

    assert run_collect().state == "success"
    assert warehouse_state(warehouse_url) == first


def test_a_mailbox_down_mid_fetch_loses_nothing_and_doubles_nothing(
    state_home, warehouse_url, imap, tmp_path, monkeypatch
):
    deliver(imap, tmp_path / "work")
    real = mail_intake.record_mail
    kill_after(monkeypatch, imap, recorded=2, restart=False)

    run = run_collect()  # the fetch fails on every try; what was recorded goes on
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["intake.fetch_mail"] == "failed"  # ops get the task's failure alert
    assert states["follow_up.send_receipts"] == "success"
    partial = warehouse_state(warehouse_url)
    assert partial["counts"]["mailbox_mails"] == 2
    assert set(outcomes(partial).values()) == {"accepted"} and len(partial["subs"]) == 2
    assert len(receipts(state_home / "outbox")) == 2

    monkeypatch.setattr(mail_intake, "record_mail", real)
    imap.start()  # the server is back for the next run
    assert run_collect().state == "success"
    after = warehouse_state(warehouse_url)
    assert_each_once(after, state_home / "outbox")

    assert run_collect().state == "success"
    assert warehouse_state(warehouse_url) == after
