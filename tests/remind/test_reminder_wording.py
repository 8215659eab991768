"""What reminders say, sent by ``campaign-ops remind`` to a real SMTP server: a round without
statistics tables never mentions templates, one with them does; every mail says where the
unit's folder is and never tells a county clerk to run a command."""

from __future__ import annotations

import datetime as dt

from campaign_ops.cli import main
from campaign_ops.timeline import build_timeline
from campaign_ops.vocabulary import MAIL_KIND_LABELS


def first_reminder(campaign, round_id: str, purpose: str) -> dt.datetime:
    return next(
        e.at(campaign.timezone)
        for e in build_timeline(campaign).events
        if e.kind == "reminder" and e.round == round_id and e.purpose == purpose
    )


def sent_at(smtp, campaign, moment: dt.datetime) -> list:
    local = f"{moment:%Y-%m-%dT%H:%M}"
    before = len(smtp.received)
    assert main(["remind", campaign.id, "--at", local]) == 0
    return [r.message for r in smtp.received[before:]]


def bodies(m) -> str:
    return m.get_body(("plain",)).get_content() + m.get_body(("html",)).get_content()


def test_reminders_mention_templates_only_for_rounds_with_statistics(ankang, smtp, state):
    assert not ankang.round("r2").forms and ankang.round("r3").forms
    unit = ankang.unit("hanbin")
    folder = f"{state / 'dropzone' / ankang.drop_zone.path}/{unit.name}"

    without = sent_at(smtp, ankang, first_reminder(ankang, "r2", "before"))
    to_units = [m for m in without if MAIL_KIND_LABELS["reminder"] in str(m["Subject"])]
    assert len(to_units) == len(ankang.units_for(ankang.round("r2")))
    for m in to_units:
        assert "模板" not in bodies(m), m["Subject"]
        assert "campaign-ops" not in bodies(m)
    [mine] = [m for m in to_units if str(m["To"]) == unit.emails[0]]
    assert folder in bodies(mine) and f"{folder}/预检" in bodies(mine)

    with_forms = sent_at(smtp, ankang, first_reminder(ankang, "r3", "before"))
    [mine] = [m for m in with_forms if str(m["To"]) == unit.emails[0]]
    assert "模板" in bodies(mine)


def test_notice_says_where_the_unit_folder_and_its_precheck_folder_are(ankang, smtp, state):
    unit = ankang.unit("hanbin")
    root = str(state / "dropzone" / ankang.drop_zone.path)
    notice_at = next(
        e.at(ankang.timezone) for e in build_timeline(ankang).events if e.purpose == "notice"
    )
    [notice] = [
        m
        for m in sent_at(smtp, ankang, notice_at)
        if str(m["To"]) == unit.emails[0] and MAIL_KIND_LABELS["notice"] in str(m["Subject"])
    ]
    for body in (
        notice.get_body(("plain",)).get_content(),
        notice.get_body(("html",)).get_content(),
    ):
        assert f"{root}/{unit.name}" in body
        assert f"“{unit.name}”" in body  # the folder's name, to create it when missing
        assert f"{root}/{unit.name}/预检" in body and "不算报送" in body
        assert "campaign-ops" not in body
