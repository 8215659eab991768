"""The warehouse's record of every mail a campaign's mailbox received, and of each file in it.

A mail is recorded once per (mailbox, UIDVALIDITY, UID), after its whole message (.eml) and
each file are in the archive; the same Message-ID seen again under another UID (a copy, a
folder recreated) is recorded as a copy of the first, without files. Each file row carries the
path intake knows it by (``邮件12/<subject>/<file>``) and, once ops confirm it, the unit.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from campaign_ops.store.models import Base, UTCDateTime, utcnow


class MailRecord(Base):
    __tablename__ = "mailbox_mails"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "mailbox", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[str] = mapped_column(sa.String(60), index=True)
    mailbox: Mapped[str] = mapped_column(sa.String(200), doc="the source name intake uses")
    uidvalidity: Mapped[int] = mapped_column(sa.BigInteger)
    uid: Mapped[int] = mapped_column(sa.BigInteger)
    message_id: Mapped[str | None] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64), doc="the whole message, archived")
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sender: Mapped[str | None] = mapped_column(sa.String(320))
    sender_name: Mapped[str | None] = mapped_column(sa.Text)
    sender_unit: Mapped[str | None] = mapped_column(
        sa.String(64), doc="the unit whose registered contact the From address is (a hint)"
    )
    subject: Mapped[str] = mapped_column(sa.Text, default="")
    in_reply_to: Mapped[str | None] = mapped_column(sa.Text)
    references: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), doc="INTERNALDATE")
    copy_of: Mapped[int | None] = mapped_column(sa.ForeignKey("mailbox_mails.id"))
    problem: Mapped[str | None] = mapped_column(sa.Text, doc="what ops must know, in Chinese")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    moved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class MailPart(Base):
    __tablename__ = "mailbox_files"
    __table_args__ = (sa.UniqueConstraint("mail_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(sa.ForeignKey("mailbox_mails.id"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer)
    path: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64), default="", doc="'' for a refused part")
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    found_in: Mapped[str] = mapped_column(sa.Text, default="")
    note: Mapped[str | None] = mapped_column(sa.Text)
    refusal: Mapped[str | None] = mapped_column(sa.Text)
    confirmed_unit: Mapped[str | None] = mapped_column(sa.String(64))
    confirmed_by: Mapped[str | None] = mapped_column(sa.String(100))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
