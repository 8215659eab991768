"""Who reports: units (county/district bureaus, township offices, partner departments) and
their contacts, plus the small types every campaign block shares.

Units are described once per bureau in a roster (``include/rosters/``, see ``rosters``) and
once more in any campaign that lists its own; both validate with these classes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Email = Annotated[
    str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", strip_whitespace=True)
]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(Strict):
    """A person we may email. ``role: leader`` is copied on escalated overdue reminders."""

    name: str
    email: Email | None = None
    phone: str | None = None
    role: Literal["contact", "leader", "ops"] = "contact"
    title: str | None = None


class UnitLevel(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    district = "district"
    zone = "zone"
    township = "township"
    department = "department"
    office = "office"


LEVEL_LABELS = {
    UnitLevel.province: "省级",
    UnitLevel.city: "市级",
    UnitLevel.county: "县（市）",
    UnitLevel.district: "区",
    UnitLevel.zone: "园区/示范区",
    UnitLevel.township: "乡镇",
    UnitLevel.department: "部门",
    UnitLevel.office: "科室",
}


class Unit(Strict):
    """A reporting unit: a county/district bureau, a township office or a partner department."""

    code: Code
    name: str = Field(description="全称, e.g. 汉滨区市场监督管理局")
    short_name: str = Field(description="简称, e.g. 汉滨区局")
    aliases: tuple[str, ...] = ()
    level: UnitLevel
    parent: Code | None = None
    contacts: tuple[Contact, ...] = Field(min_length=1)

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling a submission might use for this unit."""
        return (self.name, self.short_name, *self.aliases)

    @property
    def emails(self) -> list[str]:
        return [c.email for c in self.contacts if c.email and c.role != "leader"]

    @property
    def leader_emails(self) -> list[str]:
        return [c.email for c in self.contacts if c.email and c.role == "leader"]


class Department(Strict):
    """A partner department that shares tasks but does not report statistics to us."""

    code: Code
    name: str
    contacts: tuple[Contact, ...] = ()
