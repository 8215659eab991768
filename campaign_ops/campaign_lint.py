"""``campaign-ops lint``: every problem of a campaign file in one run, one line each.

Loading a campaign (DAG parsing, every command) reports the same problems when the file does
not load; lint also fails a file that loads but would still go wrong: a statistics form that
does not exist, a key written twice, a timeline that cannot be built.
"""

from __future__ import annotations

from pathlib import Path

from campaign_ops.campaign import Campaign, CampaignFileError, campaign_problems
from campaign_ops.campaign_checks import DATES
from campaign_ops.specfile import Problem, load_yaml_text, read_text, render


def lint_file(path: Path) -> tuple[Campaign | None, list[str]]:
    """The campaign (None when it has problems) and its problems as ``文件:位置：问题，改法``."""
    path = Path(path)
    try:
        text = read_text(path, CampaignFileError)
        data = load_yaml_text(text, path, CampaignFileError)
    except CampaignFileError as exc:
        return None, exc.lines
    campaign, problems = campaign_problems(data, path, text, every_check=True)
    if campaign is not None and not problems:
        problems += timeline_problems(campaign)
    if not problems:
        return campaign, []
    return None, [f"{path.name}:{line}" for line in render(problems, data, text)]


def timeline_problems(campaign: Campaign) -> list[Problem]:
    """The calendar every DAG is scheduled from must build; say so here, not at parse time."""
    from campaign_ops.timeline import build_timeline

    try:
        build_timeline(campaign).moments("reminder", "report")
    except Exception as exc:  # any failure here is a date combination to fix, not a crash
        detail = f"（{exc}）" if str(exc) and not str(exc).isascii() else ""
        text = f"按这些日期无法生成日程{detail}，请检查 phases、rounds、reminders 和 reports 的日期"
        return [Problem((), text, DATES)]
    return []
