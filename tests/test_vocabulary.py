"""Every status, outcome, mail-kind and rate word users read is written once, in
``campaign_ops/vocabulary.py``: the CLI, board, report, digest and mails take it from there, so
a unit's state reads the same wherever it is met."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from campaign_ops import vocabulary as v

PACKAGE = Path(v.__file__).parent
TEMPLATES = PACKAGE.parent / "include" / "templates"

WORDS = {
    *v.ROUND_STATUS_LABELS.values(),
    *v.FORM_STATUS_LABELS.values(),
    *v.FILE_OUTCOME_LABELS.values(),
    *v.CHECK_VERDICT_LABELS.values(),
    *v.MAIL_KIND_LABELS.values(),
    *v.MAIL_STATUS_LABELS.values(),
    v.MAIL_INTERRUPTED,
    v.MAIL_NOT_RESENT,
    *v.REVIEW_DECISION_LABELS.values(),
    v.MISSING_BEFORE_DEADLINE,
    v.MISSING_AFTER_DEADLINE,
    v.EXPECTED,
    v.ACTUAL,
    v.ON_TIME,
    v.REPORTING_RATE,
    v.ON_TIME_RATE,
    v.TO_VERIFY,
}
# Other words for the same things, used somewhere once: never again.
RETIRED = {"及时率", "已退回", "实报", "收件回执", "状态不明，需人工核实"}


def _python_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_no_status_word_is_written_outside_the_vocabulary() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "vocabulary.py":
            continue
        for line, text in _python_literals(path):
            if text.strip() in WORDS:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {text!r}")
    for path in sorted(TEMPLATES.iterdir()):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for word in WORDS:
                if re.search(rf"[\"'>]{re.escape(word)}[\"'<]", line):
                    found.append(f"include/templates/{path.name}:{n}: {word!r}")
    assert found == [], "take these words from campaign_ops.vocabulary:\n" + "\n".join(found)


def test_retired_words_are_gone() -> None:
    found = []
    files = [*PACKAGE.rglob("*.py"), *TEMPLATES.iterdir()]
    for path in files:
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}: {w}" for w in RETIRED if w in text]
    assert found == []
