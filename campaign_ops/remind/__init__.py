"""Reminders and notices: who gets which email at a reminder moment.

The remind DAG, the ``campaign-ops remind`` command and the tests all call the same two steps:

1. ``messages_due(campaign, moment, session)`` decides, from the campaign's timeline and the
   warehouse, which messages are due at ``moment``: the mobilization notice, phase notices,
   pre-deadline and overdue reminders (only to units still missing something, naming it), and
   the ops digest. It reads, never writes, and returns JSON-serialisable ``Message`` objects.
2. ``campaign_ops.mail.send_messages(campaign, messages, transport)``, the one outbound mail
   path, renders (with ``draft_for`` here) and delivers each one through the mail ledger:
   reserved before sending, outcome recorded after, never sent twice.

Decisions the issue left open (and why):

- A pre-deadline reminder due at the same moment as the mobilization notice is folded into
  the notice, which already lists every deadline: a unit gets one email on the first day.
- A deliverable that has arrived but is not yet checked (``received``) is not chased: the unit
  has done its part. One whose file is rejected is chased, with the reasons; one whose file is
  empty or half-copied (``not_ready``) is chased with a request to upload it again.
- Units reach their contacts; when a unit lists only a leader, the leader is the recipient.
- The ops digest goes out at every moment with a pre-deadline or overdue reminder. It covers
  the rounds chased at that moment and every past round still missing something, and lists
  every email that failed or may have been delivered (``uncertain``) so a person can act.
"""

from campaign_ops.remind.decide import messages_due
from campaign_ops.remind.drafts import blank_templates, draft_for
from campaign_ops.remind.message import KINDS, OPS_GROUP
from campaign_ops.remind.state import DeliveryState, Outstanding, deliverable_label
from campaign_ops.remind.warehouse import prepare_warehouse

__all__ = [
    "KINDS",
    "OPS_GROUP",
    "DeliveryState",
    "Outstanding",
    "blank_templates",
    "deliverable_label",
    "draft_for",
    "messages_due",
    "prepare_warehouse",
]
