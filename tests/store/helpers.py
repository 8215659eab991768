"""Test data shared by the store tests: a small campaign and Beijing-time helpers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from campaign_ops.campaign import Campaign

BEIJING = ZoneInfo("Asia/Shanghai")


def campaign_data() -> dict:
    contact = [{"name": "联系人", "email": "unit@example.invalid"}]
    return {
        "id": "test-campaign",
        "title": "测试专项行动",
        "authority": "某市市场监督管理局",
        "issued_on": "2023-05-01",
        "sender": {"name": "市局", "email": "sender@example.invalid"},
        "ops": [{"name": "市局工作人员", "email": "ops@example.invalid", "role": "ops"}],
        "units": [
            {
                "code": "hanbin",
                "name": "汉滨区市场监督管理局",
                "short_name": "汉滨区局",
                "level": "district",
                "contacts": contact,
            },
            {
                "code": "hanyin",
                "name": "汉阴县市场监督管理局",
                "short_name": "汉阴县局",
                "level": "county",
                "contacts": contact,
            },
            {
                "code": "shiquan",
                "name": "石泉县市场监督管理局",
                "short_name": "石泉县局",
                "level": "county",
                "contacts": contact,
            },
        ],
        "phases": [{"id": "all", "name": "集中整治", "start": "2023-05-01", "end": "2023-12-31"}],
        "rounds": [
            {
                "id": "r1",
                "title": "第一次报送",
                "deadline": "2023-05-10",
                "deliverables": [
                    {"kind": "progress_note"},
                    {"kind": "statistics", "form": "work-stats"},
                ],
            },
            {
                "id": "r2",
                "title": "自查报告",
                "deadline": "2023-06-10",
                "deadline_time": "12:00",
                "units": ["hanbin", "hanyin"],
                "deliverables": [{"kind": "self_check_report"}],
            },
        ],
        "reports": {"recipients": [{"name": "领导", "email": "boss@example.invalid"}]},
        "drop_zone": {"path": "test-campaign"},
    }


def make_campaign(**changes: object) -> Campaign:
    return Campaign.model_validate({**campaign_data(), **changes})


def beijing(day: str, clock: str = "09:00") -> dt.datetime:
    """An aware datetime in the campaign's time zone, e.g. beijing("2023-05-10", "18:01")."""
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BEIJING)


ON_TIME = beijing("2023-05-09")
LATE = beijing("2023-05-11")
