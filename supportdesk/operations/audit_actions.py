"""What operations record in the audit log (supportdesk.audit.actions)."""

from supportdesk.audit.actions import ActionNames


class BackupActions(ActionNames):
    # An administrator asked for a backup now (from the backups page).
    REQUEST = "backup.request"
    # An archive was written and checked (nightly, asked for, or `manage.py backup`).
    CREATE = "backup.create"
    # A backup was attempted and failed: the row says why.
    FAIL = "backup.fail"
    # Archives older than the BACKUP_KEEP newest were deleted.
    PRUNE = "backup.prune"
    # This database was restored from an archive (recorded in the restored database).
    RESTORE = "backup.restore"
