"""The addresses a campaign may send to, and the reserved domains (RFC 2606 / 6761) the seed
campaigns keep them on, so that a test or a demo can never mail a real bureau."""

from __future__ import annotations

from campaign_ops.campaign import Campaign

# Domains reserved for documentation and testing (RFC 2606 / RFC 6761): mail to them can never
# reach a real mailbox, which is what the seed campaigns must use for every address we send to.
RESERVED_MAIL_DOMAINS = (
    ".invalid",
    ".test",
    ".example",
    "example.com",
    "example.org",
    "example.net",
)


def is_reserved_address(email: str) -> bool:
    """True for addresses on a domain that can never reach a real mailbox."""
    domain = email.rsplit("@", 1)[-1].lower()
    return any(
        domain.endswith(d) if d.startswith(".") else domain == d or domain.endswith("." + d)
        for d in RESERVED_MAIL_DOMAINS
    )


def sendable_addresses(campaign: Campaign) -> list[str]:
    """Every address the system may send to for this campaign (not the circular's own)."""
    contacts = [c for u in campaign.units for c in u.contacts]
    contacts += [c for d in campaign.departments for c in d.contacts]
    contacts += list(campaign.ops) + list(campaign.reports.recipients)
    return [campaign.sender.email] + [c.email for c in contacts if c.email]
