"""sync_campaign mirrors the YAML and can run any number of times."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign, load_campaigns
from campaign_ops.store import MatrixStatus, submission_matrix, sync_campaign
from campaign_ops.store.models import (
    CampaignRow,
    RoundDeliverableRow,
    RoundRow,
    RoundUnitRow,
    UnitRow,
)
from store.helpers import campaign_data, make_campaign


def _counts(session: Session) -> dict[str, int]:
    models = (CampaignRow, UnitRow, RoundRow, RoundDeliverableRow, RoundUnitRow)
    return {
        m.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models
    }


def test_sync_twice_creates_nothing_new(session: Session, campaign: Campaign) -> None:
    sync_campaign(session, campaign)
    session.commit()
    first = _counts(session)
    sync_campaign(session, campaign)
    session.commit()
    expected = {
        "campaigns": 1,
        "units": 3,
        "rounds": 2,
        "round_deliverables": 3,
        "round_units": 5,  # r1: all three units; r2: only hanbin and hanyin
    }
    assert first == expected
    assert _counts(session) == expected


def test_deadline_is_stored_as_the_beijing_instant(synced: Session) -> None:
    r1 = synced.get(RoundRow, ("test-campaign", "r1"))
    r2 = synced.get(RoundRow, ("test-campaign", "r2"))
    assert r1.due_at == dt.datetime(2023, 5, 10, 10, 0, tzinfo=dt.UTC)  # 18:00 Beijing
    assert r2.due_at == dt.datetime(2023, 6, 10, 4, 0, tzinfo=dt.UTC)  # 12:00 Beijing
    assert synced.get(UnitRow, ("test-campaign", "hanbin")).name == "汉滨区市场监督管理局"


def test_resync_after_the_yaml_changed(synced: Session) -> None:
    data = campaign_data()
    data["units"] = data["units"][:2]  # shiquan dropped
    data["rounds"][0]["deliverables"] = [{"kind": "statistics", "form": "work-stats"}]
    data["rounds"][1]["units"] = ["hanbin"]
    data["rounds"][1]["title"] = "企业自查整改书面报告"
    sync_campaign(synced, make_campaign(**data))
    synced.commit()

    assert synced.get(UnitRow, ("test-campaign", "shiquan")).active is False
    assert synced.get(RoundRow, ("test-campaign", "r2")).title == "企业自查整改书面报告"
    keys = synced.scalars(sa.select(RoundDeliverableRow.deliverable_key).filter_by(round_id="r1"))
    assert list(keys) == ["work-stats"]
    r2_units = synced.scalars(sa.select(RoundUnitRow.unit_code).filter_by(round_id="r2"))
    assert list(r2_units) == ["hanbin"]
    r1_units = synced.scalars(sa.select(RoundUnitRow.unit_code).filter_by(round_id="r1"))
    assert sorted(r1_units) == ["hanbin", "hanyin"]


def test_a_renamed_unit_and_a_unit_back_in_the_yaml_are_updated(synced: Session) -> None:
    """Unchanged units are left alone at each sync; a changed or returning one is not."""
    data = campaign_data()
    dropped = data["units"].pop()  # shiquan leaves the campaign …
    sync_campaign(synced, make_campaign(**data))
    synced.commit()
    data["units"].append(dropped)  # … and comes back, while hanyin is renamed
    data["units"][1]["name"] = "汉阴县市场监管局"
    data["units"][1]["short_name"] = "汉阴局"
    sync_campaign(synced, make_campaign(**data))
    synced.commit()

    hanyin = synced.get(UnitRow, ("test-campaign", "hanyin"))
    assert (hanyin.name, hanyin.short_name) == ("汉阴县市场监管局", "汉阴局")
    assert synced.get(UnitRow, ("test-campaign", "shiquan")).active is True
    assert synced.get(UnitRow, ("test-campaign", "hanbin")).name == "汉滨区市场监督管理局"


def test_every_seed_campaign_syncs(session: Session) -> None:
    """Real circulars have long titles and many units: the columns must hold them."""
    campaigns = [c for c in load_campaigns() if isinstance(c, Campaign)]
    assert campaigns, "no seed campaigns found in include/campaigns"
    for campaign in campaigns:
        sync_campaign(session, campaign)
    session.commit()
    for campaign in campaigns:
        matrix = submission_matrix(session, campaign)
        assert matrix.units == tuple(u.code for u in campaign.units)
        assert {c.status for c in matrix.cells.values()} == {MatrixStatus.missing}
