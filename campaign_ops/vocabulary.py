"""Every word a user reads for a status, an outcome, a mail kind or a rate — written once.

The CLI, the campaign board, the consolidated report, the ops digest and the mails all take
their labels from here, so a unit's state reads the same wherever ops or a county clerk meet
it. A test greps the package for these words outside this module.
"""

from __future__ import annotations

# A unit's state in one round (store.matrix.MatrixStatus), most complete first.
ROUND_STATUS_LABELS: dict[str, str] = {
    "accepted_on_time": "按时报送",
    "accepted_late": "逾期报送",
    "awaiting_review": "待审核",  # accepted by the checks, waiting for a reviewer (review policy)
    "partial": "部分报送",  # some of the round's deliverables accepted, others still missing
    "rejected": "退回待改",  # a file failed validation and has not been replaced yet
    "returned": "退回修改",  # a reviewer sent an accepted file back, with a reason
    "not_ready": "文件未就绪",  # a file is there but still being copied or empty
    "received": "待校验",  # a file is there, not yet checked
    "missing": "未报送",
}

# The board shows a missing unit differently before and after the round's deadline.
MISSING_BEFORE_DEADLINE = "待报送"
MISSING_AFTER_DEADLINE = "逾期未报"

# A round that asks nothing of a unit (the report's status sheet).
NOT_ASKED = "不需报送"

# A unit's state for one form of one round (merged_units.status): no timeliness there.
FORM_STATUS_LABELS: dict[str, str] = {
    "accepted": "已报送",
    **{
        k: ROUND_STATUS_LABELS[k]
        for k in ("awaiting_review", "returned", "rejected", "not_ready", "received", "missing")
    },
}

# What a reviewer decides about an accepted file (campaign_ops.review), the options offered.
REVIEW_DECISION_LABELS: dict[str, str] = {
    "approve": "通过",
    "return": ROUND_STATUS_LABELS["returned"],
}

# What happened to one received file (store.intake_log.Outcome).
FILE_OUTCOME_LABELS: dict[str, str] = {
    "accepted": "已接收",
    "rejected": ROUND_STATUS_LABELS["rejected"],
    "not_ready": ROUND_STATUS_LABELS["not_ready"],
    "duplicate": "重复文件",
    "unidentified": "无法识别",
    "refused": "不予接收",
    "held": "待人工确认",  # a mailed file whose sender and content disagree: ops decide
}

# What ``campaign-ops check`` and the 预检 folder say a file would become.
CHECK_VERDICT_LABELS: dict[str, str] = {
    "accepted": "可接收",
    "rejected": ROUND_STATUS_LABELS["rejected"],
    "refused": "无法读取",
    "unidentified": FILE_OUTCOME_LABELS["unidentified"],
    "duplicate": FILE_OUTCOME_LABELS["duplicate"],
    "not_ready": ROUND_STATUS_LABELS["not_ready"],
}

# A finding in a file: an error sends it back, a warning only asks the unit to look.
SEVERITY_LABELS: dict[str, str] = {"error": "错误", "warning": "提醒"}

# Kinds of email, by the ledger's kind (and the remind policy's purposes).
MAIL_KIND_LABELS: dict[str, str] = {
    "notice": "动员部署通知",
    "phase": "阶段转换通知",
    "reminder": "催报提醒",
    "before": "催报提醒",
    "overdue": "逾期催报",
    "rejection": "退回通知",
    "returned": "退回修改通知",  # a reviewer returned an accepted file (campaign_ops.review)
    "review_reminder": "审核超期提醒",  # a review past its deadline (on_timeout: remind)
    "receipt": "报送回执",
    "precheck": "预检结果",
    "report": "汇总报告",
    "report_revised": "汇总报告（更正版）",  # a round's report re-sent after a late correction
    "digest": "报送情况汇总",
}

# DHIS2's completeness figures (status.py has the definitions).
EXPECTED = "应报单位"
ACTUAL = "已报齐"
ON_TIME = "按时报齐"
REPORTING_RATE = "报送率"
ON_TIME_RATE = "按时报送率"


def round_status_label(status: str) -> str:
    """The Chinese word for a unit's state in a round."""
    return ROUND_STATUS_LABELS[status]


# A mail's state in the ledger (``store.ledger.MailStatus``), wherever it is shown: the board,
# the digest, ``campaign-ops remind`` and ``make demo``.
MAIL_STATUS_LABELS: dict[str, str] = {
    "sent": "已发送",
    "reserved": "发送中",
    "failed": "发送失败",
    "uncertain": "可能已送达",  # the server took the message, then the line dropped: not resent
}
# A reservation older than any send takes: the sender stopped between reserving and sending.
MAIL_INTERRUPTED = "发送中断"
# What one send did with a mail the ledger already held (``campaign-ops remind``).
MAIL_NOT_RESENT = "未重复发送"

# A value a drafted campaign guessed (campaign-ops draft, the board's draft page): a person
# checks it against the circular before the campaign is saved.
TO_VERIFY = "待核实"
