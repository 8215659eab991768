"""Great Expectations suites generated from the form specs, committed as JSON.

``expectations/<form id>.json`` is what validation runs. It is generated, never hand-edited:
``python -m campaign_ops.forms.expectations`` rewrites every suite, and a test fails when a
spec and its committed suite drift apart. great_expectations is imported inside functions
(it costs seconds), never at module level.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from campaign_ops import PROJECT_ROOT
from campaign_ops.forms.checks import Check, checks_for, suite_parameters
from campaign_ops.forms.spec import FormSpec, all_forms
from campaign_ops.forms.text import plain_number, rule_text

GENERATOR = "campaign_ops.forms.expectations"


def expectations_dir() -> Path:
    return Path(os.environ.get("CAMPAIGN_OPS_EXPECTATIONS_DIR") or PROJECT_ROOT / "expectations")


def suite_path(form: FormSpec, directory: Path | None = None) -> Path:
    return Path(directory or expectations_dir()) / f"{form.id}.json"


def suite_name(form: FormSpec) -> str:
    return f"{form.id}-v{form.version}"


def build_suite(form: FormSpec) -> Any:
    """The form's checks as a ``gx.ExpectationSuite`` (not attached to any context)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    expectations = [
        getattr(gxe, c.expectation)(
            **c.kwargs, meta=c.meta | reading(form, c), severity=_severity(c.severity)
        )
        for c in checks_for(form)
    ]
    # Passing the expectations to the constructor keeps this free of any data context.
    return gx.ExpectationSuite(
        name=suite_name(form),
        expectations=expectations,
        meta={
            "form": form.id,
            "form_title": form.title,
            "form_version": form.version,
            "spec_fingerprint": form.fingerprint(),
            "generated_by": GENERATOR,
            "parameters": suite_parameters(form),
            "notes": "由表单配置自动生成，请勿手工修改；修改 include/forms/ 后运行 "
            "python -m campaign_ops.forms.expectations 重新生成。",
        },
    )


# What each checked frame column holds, in the words of the form: the suite checks derived
# columns (one frame row per cell, see ``checks``), so a reader of the committed JSON needs
# this to recognise the rule behind ``min_slack ≥ 0``.
_COLUMN_MEANS = {
    "readable": "填写的内容无法识别为数字、日期或文字时为原文，否则为空：应全部为空",
    "required": "必填单元格空白时为空，否则为所填内容：应全部不为空",
    "min": "数值减去本栏下限（见 meta.parameters.columns 的 min）：不小于 0 即不低于下限",
    "max": "本栏上限（见 meta.parameters.columns 的 max）减去数值：不小于 0 即不超过上限",
    "precision": "小数位数超过本栏规定时为 1，否则为 0：应全部为 0",
    "choice": "“表单/栏目=所填内容”：应是该栏下拉列表中的选项",
    "length": "本栏最多字数减去所填字数：不小于 0 即不超过规定字数",
    "rule": "下列规则在每行的差额（“不能大于”：右边减左边；“之和不能大于”：总数减各项之和；"
    "“之和应等于”：两者之差的绝对值取负），记在规则左边那一栏（或总数栏）的单元格上："
    "不小于 0 即满足规则",
    "part_of": "所属行减去“其中”行（同一栏）：不小于 0 即“其中”行不大于所属行",
    "total": "填报的合计减去各行之和（按本栏小数位取整）：应为 0",
    "shrink": "本轮累计数减去上一轮报送的数：不小于 0 即累计数没有减少",
    "growth": "本轮数除以上一轮数（上一轮大于 0、本轮不小于 {floor} 时才计算）："
    "小于 {factor} 即增长不到 {factor} 倍",
}


def reading(form: FormSpec, check: Check) -> dict[str, Any]:
    """``check``'s column explained for the committed suite's ``meta`` (``column_means``),
    and for a rule slot the form's rules it holds, each with its Chinese text."""
    growth = form.cross_round
    means = _COLUMN_MEANS[check.kind].format(
        factor=plain_number(growth.growth_warning_factor or 0),
        floor=plain_number(growth.growth_warning_min),
    )
    out: dict[str, Any] = {"column_means": means}
    if check.kind == "rule":
        slot = int(check.id.rsplit(".", 1)[1])
        out["rules"] = [
            {"id": rule.rule_id, "text": rule_text(form, rule)}
            for rule, at in zip(form.rules, rule_slot_of(form), strict=True)
            if at == slot
        ]
    return out


def rule_slot_of(form: FormSpec) -> list[int]:
    """The slot (``rule_slack_<n>``) of each of ``form.rules``: the n-th rule anchored on its
    column, as ``frame`` places them."""
    used: dict[str, int] = {}
    slots = []
    for rule in form.rules:
        anchor = (rule.left if rule.kind == "le" else rule.total) or ""
        used[anchor] = used.get(anchor, 0) + 1
        slots.append(used[anchor])
    return slots


def _severity(severity: str) -> str:
    return "warning" if severity == "warning" else "critical"


def suite_dict(form: FormSpec) -> dict[str, Any]:
    """The suite as committed: JSON-ready, without GX's per-run ids."""
    d = build_suite(form).to_json_dict()
    d.pop("id", None)
    for e in d.get("expectations", []):
        e.pop("id", None)
    return json.loads(json.dumps(d, ensure_ascii=False, default=str))


def write_suite(form: FormSpec, directory: Path | None = None) -> Path:
    path = suite_path(form, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(suite_dict(form), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


class SuiteDriftError(RuntimeError):
    """The committed suite no longer matches its form spec."""


def load_suite_dict(form: FormSpec, directory: Path | None = None) -> dict[str, Any]:
    """The committed suite for ``form``; refuses a missing or stale one with what to run."""
    path = suite_path(form, directory)
    fix = "请运行 python -m campaign_ops.forms.expectations 重新生成并提交。"
    if not path.exists():
        raise SuiteDriftError(f"缺少表单 {form.id} 的校验规则文件 {path}。{fix}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("meta", {}).get("spec_fingerprint") != form.fingerprint():
        raise SuiteDriftError(f"表单 {form.id} 的配置已修改，但 {path.name} 还是旧的。{fix}")
    return data


def load_suite(*forms: FormSpec, directory: Path | None = None) -> Any:
    """The committed suite of ``forms`` as one ``gx.ExpectationSuite``, checked to be complete.

    Several forms (``mergeable`` ones) give the union of their suites, so a batch holding
    submissions of every form is validated in one GX run.
    """
    import great_expectations as gx

    dicts = [load_suite_dict(form, directory) for form in forms]
    data = dicts[0] if len(dicts) == 1 else merged_suite_dict(dicts)
    suite = gx.ExpectationSuite(**data)
    if len(suite.expectations) != len(data["expectations"]):
        raise SuiteDriftError(
            f"{suite.name} 的校验规则未能完整载入"
            f"（{len(suite.expectations)}/{len(data['expectations'])}），请先导入自定义规则类"
        )
    return suite


def _shape(expectation: dict[str, Any]) -> tuple[str, str]:
    """What an expectation checks, without its value set (which merging may widen)."""
    kwargs = {k: v for k, v in expectation["kwargs"].items() if k != "value_set"}
    return expectation["type"], json.dumps(kwargs, sort_keys=True, default=str)


def _columns(expectation: dict[str, Any]) -> tuple[str, ...]:
    kw = expectation["kwargs"]
    return tuple(kw[k] for k in ("column", "column_A", "column_B") if k in kw)


def mergeable(suites: Sequence[dict[str, Any]]) -> list[list[int]]:
    """Group suites (by index) that can run as one: no frame column checked two ways.

    The suites of all forms check the same generic frame columns, so they usually merge into
    one group; a form whose growth factor differs from another's, say, gets its own run.
    """
    groups: list[tuple[list[int], dict[tuple[str, ...], set[tuple[str, str]]]]] = []
    for i, suite in enumerate(suites):
        mine: dict[tuple[str, ...], set[tuple[str, str]]] = {}
        for e in suite["expectations"]:
            mine.setdefault(_columns(e), set()).add(_shape(e))
        for members, seen in groups:
            if all(seen.get(cols, shapes) == shapes for cols, shapes in mine.items()):
                members.append(i)
                for cols, shapes in mine.items():
                    seen.setdefault(cols, shapes)
                break
        else:
            groups.append(([i], dict(mine)))
    return [members for members, _ in groups]


def merged_suite_dict(suites: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One suite checking what each of ``suites`` checks (they must be ``mergeable``).

    Expectations of the same shape become one; value sets are joined, which is safe because
    choice values carry their form and column (``form/column=text``), and so are the rules
    listed in a rule slot's ``meta``.
    """
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for suite in suites:
        for e in suite["expectations"]:
            shape = _shape(e)
            if shape not in merged:
                merged[shape] = json.loads(json.dumps(e))
                continue
            if "value_set" in e["kwargs"]:
                joined = merged[shape]["kwargs"]["value_set"] + e["kwargs"]["value_set"]
                merged[shape]["kwargs"]["value_set"] = list(dict.fromkeys(joined))
            if "rules" in e["meta"]:  # a rule slot holds each form's own rules
                known = merged[shape]["meta"]["rules"]
                known += [r for r in e["meta"]["rules"] if r not in known]
    return {
        "name": "+".join(s["name"] for s in suites),
        "expectations": list(merged.values()),
        "meta": {"merged_from": [s["name"] for s in suites]},
    }


def drifted(form: FormSpec, directory: Path | None = None) -> bool:
    path = suite_path(form, directory)
    if not path.exists():
        return True
    return json.loads(path.read_text(encoding="utf-8")) != suite_dict(form)


def main(argv: list[str] | None = None) -> int:
    """Regenerate every suite (or only check with ``--check``, for CI)."""
    args = argv if argv is not None else sys.argv[1:]
    stale = []
    for form in all_forms():
        if "--check" in args:
            if drifted(form):
                stale.append(form.id)
        else:
            print(write_suite(form))
    if stale:
        print("以下表单的校验规则与配置不一致：" + "、".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
