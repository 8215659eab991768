"""Which round a delivery counts for (``intake.routing``): the rules, one case each."""

from __future__ import annotations

import datetime as dt

import pytest

from campaign_ops.campaign import get_campaign
from campaign_ops.intake.routing import (
    Deliveries,
    already_delivered,
    choose_round,
    round_from_path,
)
from campaign_ops.store.models import RoundBasis


@pytest.fixture(scope="module")
def ankang():
    return get_campaign("ankang-2023-internet-ads")


def test_round_named_by_folder_deadline_or_title(ankang):
    assert round_from_path(ankang, "r3/汉滨区局/表.xlsx").id == "r3"
    assert round_from_path(ankang, "汉滨区局/9月10日报送/表.xlsx").id == "r4"
    assert round_from_path(ankang, "汉滨区局/20231110/表.xlsx").id == "r5"
    assert round_from_path(ankang, "汉滨区局/第二次阶段性报送/典型案例.docx").id == "r3"
    assert round_from_path(ankang, "汉滨区局/表.xlsx") is None


def test_a_named_round_wins(ankang):
    hanbin = ankang.unit("hanbin")
    choice = choose_round(
        ankang, hanbin, "typical_cases", dt.date(2023, 9, 1), Deliveries(), ankang.round("r1")
    )
    assert (choice.round.id, choice.basis) == ("r1", RoundBasis.named)


def test_a_late_narrative_goes_to_the_round_that_still_needs_it(ankang):
    """宁陕县局 drops 典型案例.docx after the r1 deadline, r1 still missing: it counts for r1,
    not for r3 whose window has opened too — and ops are asked to confirm."""
    ningshan = ankang.unit("ningshan")
    choice = choose_round(ankang, ningshan, "typical_cases", dt.date(2023, 5, 20), Deliveries())
    assert choice.round.id == "r1"
    assert choice.basis == RoundBasis.earliest
    assert choice.candidates == ("r1", "r3")


def test_once_the_first_round_is_delivered_the_next_open_one_takes_it(ankang):
    ningshan = ankang.unit("ningshan")
    have = Deliveries()
    have.add(("r1", "ningshan", "typical_cases"), "a" * 64)
    choice = choose_round(ankang, ningshan, "typical_cases", dt.date(2023, 5, 20), have)
    assert (choice.round.id, choice.basis) == ("r3", RoundBasis.only)


def test_before_the_next_window_a_second_file_is_a_new_version(ankang):
    ningshan = ankang.unit("ningshan")
    have = Deliveries()
    have.add(("r1", "ningshan", "typical_cases"), "a" * 64)
    choice = choose_round(ankang, ningshan, "typical_cases", dt.date(2023, 5, 9), have)
    assert (choice.round.id, choice.basis) == ("r1", RoundBasis.latest)


def test_a_round_that_does_not_ask_the_deliverable_is_skipped(ankang):
    hanbin = ankang.unit("hanbin")  # the June round asks only for self-check reports
    choice = choose_round(ankang, hanbin, "self_check_report", dt.date(2023, 5, 20), Deliveries())
    assert choice.round.id == "r2"
    assert choose_round(ankang, hanbin, "no-such-form", dt.date(2023, 5, 20), Deliveries()) is None


def test_same_bytes_from_the_same_unit_are_nothing_new_but_another_units_are(ankang):
    have = Deliveries()
    have.add(("r1", "hanbin", "typical_cases"), "b" * 64)
    hanbin, hanyin = ankang.unit("hanbin"), ankang.unit("hanyin")
    for unit, expected in ((hanbin, "r1"), (hanyin, None)):
        choice = choose_round(ankang, unit, "typical_cases", dt.date(2023, 5, 9), have)
        assert already_delivered(ankang, have, unit, "typical_cases", "b" * 64, choice) == expected
    # the same bytes for a round the file names are a delivery for that round
    named = choose_round(
        ankang, hanbin, "typical_cases", dt.date(2023, 7, 1), have, ankang.round("r3")
    )
    assert already_delivered(ankang, have, hanbin, "typical_cases", "b" * 64, named) is None
