"""What follow-ups record in the audit log (supportdesk.audit.actions)."""

from supportdesk.audit.actions import ActionNames


class FollowUpActions(ActionNames):
    RETRY = "followup.retry"
    # A subject destroyed when its retention period ended (by the app's retention policy).
    RETENTION_SHRED = "retention.shred"
