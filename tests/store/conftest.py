"""A small campaign (three units, two rounds) synced into a fresh warehouse, on both backends."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from campaign_ops.campaign import Campaign
from campaign_ops.store import record_file, sync_campaign
from store.helpers import make_campaign


@pytest.fixture
def campaign() -> Campaign:
    return make_campaign()


@pytest.fixture
def synced(session: Session, campaign: Campaign) -> Session:
    """The session, with the test campaign synced and committed."""
    sync_campaign(session, campaign)
    session.commit()
    return session


@pytest.fixture
def archived(synced: Session) -> Callable[[str], str]:
    """Archive a file whose content is ``text``; returns its sha256."""

    def archive(text: str) -> str:
        sha = hashlib.sha256(text.encode()).hexdigest()
        record_file(
            synced,
            sha256=sha,
            source="test-campaign",
            path=f"in/{text}.xlsx",
            size=len(text.encode()),
        )
        return sha

    return archive
