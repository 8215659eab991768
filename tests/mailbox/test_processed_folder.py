"""``processed_folder``: a message is moved only once it is archived and recorded, a move that
did not happen is done by the next fetch, and a moved message is never recorded again; a
mailbox without its Connection is skipped, not failed."""

from __future__ import annotations

import sqlalchemy as sa
import yaml

import campaign_ops.mailbox.imap as imap_module
from campaign_ops import INCLUDE_DIR, tasks
from tests.mailbox.helpers import CAMPAIGN, ON_TIME, RUN_AT, mail_with, send_tables, table


def with_processed_folder(tmp_path, monkeypatch) -> None:
    data = yaml.safe_load((INCLUDE_DIR / "campaigns" / f"{CAMPAIGN}.yaml").read_text("utf-8"))
    data["drop_zone"][1]["processed_folder"] = "已处理"
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    (campaigns / f"{CAMPAIGN}.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    monkeypatch.setenv("CAMPAIGN_OPS_CAMPAIGNS_DIR", str(campaigns))


def recorded(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select uid, moved_at is not null from mailbox_mails")).all()
    engine.dispose()
    return sorted(tuple(r) for r in rows)


def test_recorded_mail_is_moved_and_a_failed_move_is_done_next_time(
    state, imap, tmp_path, monkeypatch
):
    with_processed_folder(tmp_path, monkeypatch)
    url = f"sqlite:///{state / 'warehouse.sqlite'}"
    send_tables(imap, tmp_path, ("hanbin", "hanyin"), "moved")
    uids = sorted(imap.messages())

    def refuse_to_move(self, uids, target):
        raise imap_module.MailboxError("移动失败（测试）")

    with monkeypatch.context() as m:
        m.setattr(imap_module.MailboxReader, "move", refuse_to_move)
        try:
            tasks.fetch_mail(CAMPAIGN, RUN_AT)
        except RuntimeError as exc:
            assert "移动失败" in str(exc)
        else:
            raise AssertionError("a failed move must fail the task")
    assert recorded(url) == [(uid, False) for uid in uids]  # recorded, not moved
    assert sorted(imap.messages()) == uids

    [done] = tasks.fetch_mail(CAMPAIGN, RUN_AT)
    assert (done["recorded"], done["moved"]) == (0, 2)  # nothing recorded twice, both moved
    assert recorded(url) == [(uid, True) for uid in uids]
    assert imap.messages() == {} and len(imap.messages("已处理")) == 2

    [again] = tasks.fetch_mail(CAMPAIGN, RUN_AT)
    assert (again["recorded"], again["moved"]) == (0, 0)


def test_a_mailbox_without_its_connection_is_skipped(state, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_CAMPAIGN_OPS_MAILBOX", raising=False)
    [skipped] = tasks.fetch_mail(CAMPAIGN, RUN_AT)
    assert "campaign_ops_mailbox" in skipped["skipped"] and skipped["recorded"] == 0


def test_mail_from_before_the_circular_is_not_read(state, imap, tmp_path):
    import datetime as dt

    from tests.mailbox.helpers import CST

    url = f"sqlite:///{state / 'warehouse.sqlite'}"
    old = dt.datetime(2022, 11, 3, 10, 0, tzinfo=CST)  # the bureau's mailbox has a history
    imap.append(
        mail_with([], subject="去年的会议通知", sender="x@example.test", message_id="<o@x>"), old
    )
    imap.append(
        mail_with(
            [("工作情况统计表.xlsx", table(tmp_path, "hanbin"))],
            subject="汉滨区局报送",
            sender="hanbin@ankang-amr.example.invalid",
            message_id="<new@x>",
        ),
        ON_TIME,
    )
    [done] = tasks.fetch_mail(CAMPAIGN, RUN_AT)
    assert done["recorded"] == 1
    assert len(recorded(url)) == 1 and len(imap.messages()) == 2  # the old one left alone


def test_fetching_by_hand_without_the_connection_says_what_is_missing(state, monkeypatch, capsys):
    from campaign_ops.cli import main

    monkeypatch.delenv("AIRFLOW_CONN_CAMPAIGN_OPS_MAILBOX", raising=False)
    assert main(["mailbox", "fetch", CAMPAIGN]) == 1
    said = capsys.readouterr()
    assert "未配置 Airflow Connection campaign_ops_mailbox" in said.err and "README" in said.err
    assert "下次收取" not in said.out  # nothing was read, so nothing will be taken
