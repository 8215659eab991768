"""Hostile input costs bounded time and memory, measured so that it can fail.

Each check runs in a child process under ``RLIMIT_AS`` (an allocation past it fails in the
child instead of taking the machine down) and a timeout, and reads the child's own peak RSS.
The parse of every hostile file is measured file by file; ``campaign-ops ingest`` over the
whole hostile drop zone is measured end to end.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

from .limits import GIB, MIB, run_limited
from .scene import CAMPAIGN, Case, build, still_copying

ADDRESS_SPACE = int(1.5 * GIB)  # the parse alone
# ingest imports pandas, pyarrow, scipy and Great Expectations, which reserve about 1.9 GiB of
# address space (VmPeak) for about 0.4 GiB resident: its cap leaves room for that, not more.
INGEST_ADDRESS_SPACE = 3 * GIB
PARSE_SECONDS = 5.0  # any one file; a county table parses in milliseconds
PARSE_GROWTH = 120 * MIB  # peak RSS added by any one file (the bomb check inflates ≤ 60 MB)
PARSE_PEAK = 400 * MIB
INGEST_SECONDS = 150.0  # imports (pandas, Great Expectations) included
INGEST_PEAK = 700 * MIB  # measured about 390 MiB
BIN = Path(sys.executable).parent

# Parses each file named on the command line as intake does (the campaign's forms as
# candidates, the bytes read once) and prints, per file, its refusal code (or "parsed"),
# seconds and how much the process's peak RSS grew while parsing it.
PARSE_EACH = """
import json, sys, time
from pathlib import Path
from campaign_ops.campaign import get_campaign
from campaign_ops.forms.parser import try_parse
forms = get_campaign(sys.argv[1]).forms
def hwm():  # ru_maxrss would start from the forked parent's peak (kept across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
try_parse(Path(sys.argv[2]), candidates=forms)  # warm-up: imports and spec loading
out = {}
for name in sys.argv[2:]:
    before = hwm()
    started = time.perf_counter()
    data = Path(name).read_bytes()
    got = try_parse(Path(name), candidates=forms, data=data)
    seconds = time.perf_counter() - started
    growth = (hwm() - before) * 1024
    out[name] = [getattr(got, "code", "parsed"), seconds, growth]
print(json.dumps(out))
"""


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CAMPAIGN_OPS_HOME": str(home),
        "CAMPAIGN_OPS_DATABASE_URL": f"sqlite:///{home / 'warehouse.sqlite'}",
        "AIRFLOW_HOME": tempfile.mkdtemp(prefix="hostile-airflow-", dir=home.parent),
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Case]]:
    """The hostile drop zone, time-stamped for a scan now."""
    root = tmp_path_factory.mktemp("bounds")
    drop = root / "drop"
    return drop, build(drop, root / "work", dt.datetime.now(dt.UTC))


def test_every_hostile_file_parses_in_bounded_time_and_memory(
    hostile: tuple[Path, list[Case]], tmp_path: Path
) -> None:
    _, cases = hostile
    kinds = ("xlsx", "xlsm", "xls")
    tables = [c for c in cases if c.data and c.path.rsplit(".", 1)[-1] in kinds]
    files = []
    for i, case in enumerate(tables):  # plain names: the parse, not the path, is measured
        path = tmp_path / f"{i:02d}-{case.key}.{case.path.rsplit('.', 1)[-1]}"
        path.write_bytes(case.data)
        files.append(str(path))
    run = run_limited(
        [sys.executable, "-c", PARSE_EACH, CAMPAIGN, *files],
        env=_env(tmp_path / "state"),
        timeout=60,
        address_space=ADDRESS_SPACE,
    )
    assert run.returncode == 0, str(run)
    per_file = json.loads(run.stdout)
    assert len(per_file) == len(files)
    slow = {Path(f).name: s for f, (_, s, _) in per_file.items() if s > PARSE_SECONDS}
    big = {Path(f).name: g // MIB for f, (_, _, g) in per_file.items() if g > PARSE_GROWTH}
    assert not slow and not big, (slow, big)
    assert run.peak_rss < PARSE_PEAK, str(run)
    worst = max(per_file.items(), key=lambda kv: kv[1][1])
    print(
        f"\nparse of {len(files)} files: slowest {Path(worst[0]).name} {worst[1][1]:.3f} s,"
        f" largest growth {max(g for _, _, g in per_file.values()) / MIB:.0f} MiB,"
        f" peak {run.peak_rss / MIB:.0f} MiB"
    )
    codes = {
        Path(f).name.split("-", 1)[1].rsplit(".", 1)[0]: c for f, (c, _, _) in per_file.items()
    }
    assert codes["zip_bomb"] == codes["zip_bomb_lying_sizes"] == "zip_bomb"
    assert codes["absurd_dimension"] == "too_large" and codes["encrypted"] == "encrypted"
    assert codes["xlsm"] == "parsed" and codes["old_xls"] == "legacy_xls"


def test_ingest_of_the_hostile_drop_zone_is_bounded_and_right(
    hostile: tuple[Path, list[Case]], tmp_path: Path
) -> None:
    """``campaign-ops ingest`` over every hostile file and the valid ones, as ops run it."""
    drop, cases = hostile
    still_copying(drop, cases)
    run = run_limited(
        [str(BIN / "campaign-ops"), "ingest", CAMPAIGN, "--source", str(drop), "--json"],
        env=_env(tmp_path / "state"),
        timeout=INGEST_SECONDS,
        address_space=INGEST_ADDRESS_SPACE,
    )
    assert run.returncode == 0, str(run)
    assert run.peak_rss < INGEST_PEAK, str(run)
    got = {o["path"]: (o["outcome"], o["unit"]) for o in json.loads(run.stdout)}
    for case in cases:
        if case.bug is None:
            assert got.get(case.path) == (case.outcome, case.unit), case.key
    print(f"\ningest of {len(cases)} files: {run.seconds:.1f} s, {run.peak_rss / MIB:.0f} MiB")


def test_an_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    """A unit drops a 4 GiB video next to its table: the video is refused for its size (limit
    500 MB), the table is accepted, and memory stays bounded."""
    from campaign_ops.campaign import get_campaign
    from campaign_ops.synthetic import write_submission

    drop = tmp_path / "drop" / "汉滨区局"
    write_submission(
        get_campaign(CAMPAIGN), "r1", "hanbin", "ankang-work-stats", drop / "工作情况统计表.xlsx"
    )
    with open(drop / "宣传视频.mp4", "wb") as fh:  # sparse: costs no disk
        fh.truncate(4 * GIB)
    old = (dt.datetime.now() - dt.timedelta(hours=2)).timestamp()
    for p in drop.iterdir():
        os.utime(p, (old, old))
    run = run_limited(
        [str(BIN / "campaign-ops"), "ingest", CAMPAIGN, "--source", str(drop.parent), "--json"],
        env=_env(tmp_path / "state"),
        timeout=INGEST_SECONDS,
        address_space=INGEST_ADDRESS_SPACE,
    )
    assert run.returncode == 0, str(run)
    got = {o["path"]: o for o in json.loads(run.stdout)}
    assert got["汉滨区局/宣传视频.mp4"]["outcome"] == "refused"
    assert "超过上限" in got["汉滨区局/宣传视频.mp4"]["message"]
    assert got["汉滨区局/工作情况统计表.xlsx"]["outcome"] == "accepted"
    assert run.peak_rss < INGEST_PEAK, str(run)
