"""Storing a scan batch: one file that cannot be stored is left out alone; the re-run stores it
without doubling the others."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlalchemy as sa

from campaign_ops.campaign import get_campaign
from campaign_ops.cli import main
from campaign_ops.intake import pipeline, recording
from campaign_ops.store import session_scope
from campaign_ops.store.models import Submission, SubmittedValue
from campaign_ops.synthetic import write_submission

CAMPAIGN = "fangxian-2023-livestream"


def _counts() -> dict[str, tuple[int, int]]:
    """unit → (submissions, stored cells)."""
    with session_scope(readonly=True) as s:
        rows = s.execute(
            sa.select(
                Submission.unit_code,
                sa.func.count(sa.distinct(Submission.id)),
                sa.func.count(SubmittedValue.id),
            )
            .outerjoin(SubmittedValue, SubmittedValue.submission_id == Submission.id)
            .group_by(Submission.unit_code)
        )
        return {unit: (subs, cells) for unit, subs, cells in rows}


@pytest.mark.parametrize("group", [pipeline.GROUP_FILES, 2], ids=["one_group", "groups_of_two"])
def test_a_file_that_cannot_be_stored_does_not_block_the_others(
    tmp_path, monkeypatch, warehouse_url, group
):
    monkeypatch.setenv("CAMPAIGN_OPS_HOME", str(tmp_path / "state"))
    # files are stored a group at a time: the failure must not stop the groups after it
    monkeypatch.setattr(pipeline, "GROUP_FILES", group)
    monkeypatch.setattr(pipeline, "AHEAD_FILES", group)
    monkeypatch.setattr(pipeline, "CHUNK", 1)
    c = get_campaign(CAMPAIGN)
    first = c.rounds[0]
    form = first.forms[0]
    units = [c.unit(code) for code in first.units or [u.code for u in c.units]][:5]
    drop = tmp_path / "incoming"
    old = (dt.datetime.now() - dt.timedelta(hours=2)).timestamp()
    for i, unit in enumerate(units):  # files are processed in the order they arrived
        path = drop / unit.short_name / "统计表.xlsx"
        write_submission(c, first.id, unit.code, form, path)
        os.utime(path, (old + i, old + i))
    unlucky = units[1].code  # in the first group when stored two at a time

    real_verdict = recording.verdict

    def verdict_failing_for_one_unit(campaign, work):
        if work.unit.code == unlucky:
            raise RuntimeError("simulated: this file's figures cannot be written")
        return real_verdict(campaign, work)

    monkeypatch.setattr(recording, "verdict", verdict_failing_for_one_unit)
    with pytest.raises(RuntimeError, match="1 个文件的处理结果未能保存"):
        main(["ingest", CAMPAIGN, "--source", str(drop), "--no-receipts"])
    stored = _counts()
    assert unlucky not in stored
    assert set(stored) == {u.code for u in units} - {unlucky}
    assert all(subs == 1 and cells > 0 for subs, cells in stored.values())

    monkeypatch.setattr(recording, "verdict", real_verdict)  # the fault clears; Airflow retries
    assert main(["ingest", CAMPAIGN, "--source", str(drop), "--no-receipts"]) == 0
    after = _counts()
    assert set(after) == {u.code for u in units}
    assert {u: after[u] for u in stored} == stored  # nothing doubled
    assert after[unlucky][0] == 1 and after[unlucky][1] > 0
