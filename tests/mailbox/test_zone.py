"""The mailbox in the campaign file: ``drop_zone`` as a list beside the single form every seed
campaign uses, and lint messages that point at what the person wrote."""

from __future__ import annotations

import yaml

from campaign_ops import INCLUDE_DIR
from campaign_ops.addresses import is_reserved_address
from campaign_ops.campaign import load_campaigns
from campaign_ops.cli import main

ANKANG = INCLUDE_DIR / "campaigns" / "ankang-2023-internet-ads.yaml"


def test_every_seed_campaign_loads_and_ankang_has_its_mailbox_beside_its_folder():
    campaigns = {c.id: c for c in load_campaigns()}
    assert all(not isinstance(c, Exception) for c in campaigns.values())
    ankang = campaigns.pop("ankang-2023-internet-ads")
    assert (ankang.drop_zone.kind, ankang.drop_zone.path) == ("folder", ankang.id)
    (mailbox,) = ankang.mailboxes
    assert (mailbox.folder, mailbox.connection_id) == ("INBOX", "campaign_ops_mailbox")
    assert is_reserved_address(mailbox.address)  # never a real bureau's mailbox
    assert all(c.mailboxes == () and c.drop_zone.kind == "folder" for c in campaigns.values())


def lint(tmp_path, change) -> str:
    data = yaml.safe_load(ANKANG.read_text("utf-8"))
    change(data)
    path = tmp_path / ANKANG.name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_lint_points_at_the_mailbox_item_as_written(tmp_path, capsys):
    def broken(data):
        data["drop_zone"][1].pop("address")
        data["drop_zone"][1]["foldr"] = "INBOX"

    assert main(["lint", str(lint(tmp_path, broken))]) == 1
    out = capsys.readouterr().err
    assert "drop_zone[2].address" in out and "缺少必填字段 address" in out
    assert "drop_zone[2].foldr" in out and "是否应为 folder？" in out
    assert "mailboxes" not in out  # the name the person never wrote


def test_a_mailbox_alone_asks_for_the_folder_beside_it(tmp_path, capsys):
    def only_mail(data):
        data["drop_zone"] = [data["drop_zone"][1]]

    assert main(["lint", str(lint(tmp_path, only_mail))]) == 1
    assert "还需要一个共享目录或文件夹" in capsys.readouterr().err
