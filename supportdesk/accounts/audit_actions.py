"""What accounts records in the audit log (supportdesk.audit.actions)."""

from supportdesk.audit.actions import ActionNames


class AccountActions(ActionNames):
    ACCOUNT_CREATE = "account.create"
    TEAM_ADD_MEMBER = "team.add_member"
    LOGIN = "auth.login"
    LOGIN_FAILED = "auth.login_failed"
    OTP_FAILED = "auth.otp_failed"
    TOTP_ENROLLED = "auth.totp_enrolled"
    BACKUP_CODES_REGENERATED = "auth.backup_codes_regenerated"
    PASSWORD_CHANGED = "auth.password_changed"
    REVOKE_ALL = "auth.revoke_all"
    TOKEN_ISSUED = "auth.token_issued"
    TOKEN_REVOKED = "auth.token_revoked"
    # Changes made on the admin pages, named after the model changed.
    USER_CREATE = "user.create"
    USER_UPDATE = "user.update"
    USER_DELETE = "user.delete"
    TEAM_CREATE = "team.create"
    TEAM_UPDATE = "team.update"
    TEAM_DELETE = "team.delete"
