"""What cases record in the audit log (supportdesk.audit.actions)."""

from supportdesk.audit.actions import ActionNames


class CaseActions(ActionNames):
    CREATE = "case.create"
    UPDATE = "case.update"
    CONTACT_ADD = "case.contact_add"
    TRANSITION = "case.transition"
    VOUCH = "case.vouch"
    VERIFY = "case.verify"
    VERIFICATION_REVOKE = "case.verification_revoke"
    ASSIGN = "case.assign"
    HOLD = "case.hold"
    NOTE_ADD = "case.note_add"
    DUPLICATE_RESOLVE = "case.duplicate_resolve"
    MERGE = "case.merge"
    # A search: how many cases it found, never what was typed (cases/search.py).
    SEARCH = "case.search"
    # Reads: a case's decrypted details (counted by the bulk-reading alert), and lists, which show
    # aliases only and are not counted.
    VIEW = "case.view"
    LIST_VIEW = "case.list_view"


class FamilyActions(ActionNames):
    MEMBER_CREATE = "family_member.create"
    MEMBER_UPDATE = "family_member.update"
    FLAG_CREATE = "security_flag.create"
    FLAG_RESOLVE = "security_flag.resolve"
    FLAG_REVIEW = "security_flag.review"


class CdmActions(ActionNames):
    CREATE = "cdm_request.create"
    READY = "cdm_request.ready"
    SUBMIT = "cdm_request.submit"
    ISSUE = "cdm_request.issue"
    REJECT = "cdm_request.reject"
    WITHDRAW = "cdm_request.withdraw"
