"""The demo campaign's desk (submissions recorded one line each), on the shared ``state`` and
``ankang`` fixtures."""

from __future__ import annotations

import pytest

from campaign_ops.campaign import Campaign
from remind.helpers import Desk


@pytest.fixture
def desk(ankang: Campaign) -> Desk:
    return Desk(ankang)
