"""What a reminder moment decides: the kinds of email it sends and the group ops mail goes to.

The message itself (``campaign_ops.mail.Message``) belongs to the one outbound mail path."""

KINDS = ("notice", "phase", "reminder", "overdue", "digest")
OPS_GROUP = "ops"
