"""Lint of the ``review:`` block, on the plain data like ``campaign_checks``: a required review
needs someone to decide, and ``applies_to`` must name forms or kinds the campaign has."""

from __future__ import annotations

from campaign_ops.specfile import Problem, suggest

REFERENCES = 1  # campaign_checks.REFERENCES: the stage after the schema


def review_problems(data: dict) -> list[Problem]:
    review = data.get("review")
    if not isinstance(review, dict):
        return []
    problems: list[Problem] = []
    reviewers = review.get("reviewers")
    if review.get("required") is True and not (isinstance(reviewers, list | tuple) and reviewers):
        text = (
            "要求审核（required: true）时必须写明审核人，"
            "请在 reviewers 中列出可以审核的 Airflow 用户名，例如 reviewers: [guanggaoke]"
        )
        problems.append(Problem(("review", "reviewers"), text, REFERENCES))
    listed = review.get("applies_to")
    known = _deliverable_names(data)
    for i, name in enumerate(listed if isinstance(listed, list | tuple) else ()):
        if isinstance(name, str) and name not in known:
            listed_names = "、".join(sorted(known))
            hint = suggest(name, sorted(known)) or f"已有的表单和材料类型：{listed_names}"
            text = f"{name} 不是本行动任何一轮要报送的表单编号或材料类型，{hint}"
            problems.append(Problem(("review", "applies_to", i), text, REFERENCES))
    return problems


def _deliverable_names(data: dict) -> set[str]:
    """Form ids and deliverable kinds the rounds ask for."""
    names: set[str] = set()
    rounds = data.get("rounds")
    for round_ in rounds if isinstance(rounds, list | tuple) else ():
        items = round_.get("deliverables") if isinstance(round_, dict) else None
        for item in items if isinstance(items, list | tuple) else ():
            if isinstance(item, dict):
                names |= {v for k in ("form", "kind") if isinstance(v := item.get(k), str)}
    return names
