"""Backups and restores: archives written, checked, kept BACKUP_KEEP deep, and read back.

Nightly, three rows keep each other honest (docs/operations.md):

- a `backup.nightly` follow-up, due at BACKUP_TIME, whose handler queues that night's backup and
  schedules the next night's row at once, so a night missed for any reason (beat, worker or
  broker down) shows as an overdue duty in the administrators' problems list;
- the backup itself runs in its own Celery task (`operations.backup_run`), with hours to finish,
  not inside the sweep's minutes;
- a `backup.deadline` follow-up for each queued backup: cancelled when the archive is made and
  checked, brought forward when it fails; its handler fails the duty (and so alerts every
  administrator) when there is still no archive.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import psycopg
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supportdesk.accounts.models import User
from supportdesk.audit.services import audit_record
from supportdesk.errors import ApplicationError, Conflict, NotFound
from supportdesk.followups.models import FollowUp
from supportdesk.followups.services import (
    enqueue_after_commit,
    followup_cancel,
    followup_schedule,
)
from supportdesk.operations import pg
from supportdesk.operations.archive import (
    ARCHIVE_ID_SIZE,
    CHUNK_SIZE,
    ArchiveError,
    ArchiveWriter,
    Header,
    archive_open,
)
from supportdesk.operations.audit_actions import BackupActions
from supportdesk.operations.keys import BackupKeyRing, backup_key_ring
from supportdesk.operations.models import Backup

logger = logging.getLogger(__name__)

NIGHTLY = "backup.nightly"
DEADLINE = "backup.deadline"
RUN_TASK = "operations.backup_run"
# The backup task's hard time limit (supportdesk/operations/tasks.py). A backup queued and not
# made this long after (plus a margin for a busy queue) has failed, whatever the reason.
TASK_TIME_LIMIT = 4 * 3600
DEADLINE_AFTER = datetime.timedelta(seconds=TASK_TIME_LIMIT + 15 * 60)
SUFFIX = ".sdbackup"
PARTIAL = ".partial"
DUMP_MAGIC = b"PGDMP"  # how every pg_dump custom-format archive starts

Progress = Callable[[int], None]


class BackupInProgress(Conflict):
    default_message = gettext_lazy(
        "A backup is already waiting or running: it shows below when it is done."
    )


class BackupNotMade(Exception):
    """Raised by the deadline's handler: the duty fails, and every administrator is alerted.
    Not transient on purpose: trying again an hour later would not make last night's backup."""


class ArchiveNotADump(ArchiveError):
    pass


# --- Writing and checking archives ---------------------------------------------------------------


class _HashingWriter:
    """A file that counts and hashes what goes through it, on the way to the disk."""

    def __init__(self, out: BinaryIO) -> None:
        self._out, self.size, self.sha256 = out, 0, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self._out.write(data)


class _CountingReader:
    """A file that reports how far it has been read (the restore's progress bar)."""

    def __init__(self, source: BinaryIO, progress: Progress | None) -> None:
        self._source, self._progress, self.position = source, progress, 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.position += len(data)
        if self._progress is not None:
            self._progress(self.position)
        return data


@dataclass(frozen=True)
class ArchiveInfo:
    path: Path
    archive_id: str
    key_id: str
    size_bytes: int
    dump_bytes: int
    chunks: int
    sha256: str


@dataclass(frozen=True)
class ArchiveCheck:
    header: Header
    chunks: int
    dump_bytes: int


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def archive_write(
    *,
    path: Path,
    database: pg.Database,
    ring: BackupKeyRing,
    archive_id: bytes | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ArchiveInfo:
    """pg_dump -> compress -> seal -> `path`, streamed; then read back whole before it counts.

    Written to `<path>.partial` (mode 0600) and renamed only once it was checked, so a file with
    the archive's name is always a whole archive."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(path.name + PARTIAL)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            out = _HashingWriter(raw)
            writer = ArchiveWriter(
                out,
                key_id=ring.active_id,
                key=ring.active_key,
                archive_id=archive_id,
                chunk_size=chunk_size,
            )
            pg.dump(database, sink=writer.write, read=progress or _ignore)
            writer.close()
            raw.flush()
            os.fsync(raw.fileno())
        checked = archive_check(path=partial, ring=ring)
        os.replace(partial, path)
        _fsync_directory(path.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return ArchiveInfo(
        path=path,
        archive_id=writer.archive_id.hex(),
        key_id=ring.active_id,
        size_bytes=out.size,
        dump_bytes=writer.plain_bytes,
        chunks=checked.chunks,
        sha256=out.sha256.hexdigest(),
    )


def _ignore(_done: int) -> None:
    pass


def archive_check(
    *, path: Path, ring: BackupKeyRing, progress: Progress | None = None
) -> ArchiveCheck:
    """Open every chunk of an archive and decompress it to nowhere: the whole of it is there,
    unaltered, opens with this ring, and holds a pg_dump archive."""
    with open(path, "rb") as handle:
        source = _CountingReader(handle, progress)
        reader = archive_open(source, key_for=ring.key)
        size, start = 0, b""
        for piece in reader.chunks():
            if len(start) < len(DUMP_MAGIC):
                start += piece[: len(DUMP_MAGIC)]
            size += len(piece)
        if not start.startswith(DUMP_MAGIC):
            raise ArchiveNotADump(_("The archive opens, but does not hold a database dump."))
    return ArchiveCheck(header=reader.header, chunks=reader.chunks_read, dump_bytes=size)


def _nothing_restored(refused: ApplicationError) -> ApplicationError:
    refused.message = f"{refused.message} {_('Nothing was restored: the database is as it was.')}"
    refused.args = (str(refused.message),)
    return refused


def archive_restore(
    *, path: Path, database: pg.Database, ring: BackupKeyRing, progress: Progress | None = None
) -> Header:
    """Archive -> open and check -> decompress -> pg_restore into an empty database, streamed.

    Refused before anything is written: not an archive, a damaged header, a key not in the ring
    or a wrong key, a damaged first chunk, a database that is not empty, client tools of another
    PostgreSQL version. A damaged or truncated later chunk stops pg_restore before it commits
    its single transaction: the database is left empty, and the refusal names the chunk."""
    with open(path, "rb") as handle:
        source = _CountingReader(handle, progress)
        reader = archive_open(source, key_for=ring.key)
        if pg.objects_in_public_schema(database):
            raise pg.DatabaseNotEmpty(
                _(
                    "The database %(name)s is not empty: restore only into a new, empty "
                    "database (see docs/operations.md)."
                )
                % {"name": database.name}
            )
        try:
            pg.restore(database, reader.chunks())
        except (ArchiveError, pg.RestoreFailed) as refused:
            raise _nothing_restored(refused) from None
    return reader.header


# --- Backups: rows, the nightly duty, keeping N --------------------------------------------------


def backup_dir() -> Path:
    return Path(settings.BACKUP_DIR)


def _archive_name(*, archive_id: bytes, now: datetime.datetime) -> str:
    return (
        f"supportdesk-{now.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}-{archive_id.hex()[:8]}{SUFFIX}"
    )


def default_database() -> pg.Database:
    return pg.Database.from_settings(connections["default"].settings_dict)


def _failure_sentence(error: BaseException, path: str) -> str:
    if isinstance(error, ApplicationError):
        return str(error.message)[:300]
    if isinstance(error, psycopg.Error):
        return database_unreachable(error)
    if isinstance(error, OSError):
        return _("The archive could not be written to %(path)s (%(reason)s).") % {
            "path": path or settings.BACKUP_DIR,
            "reason": error.strerror or type(error).__name__,
        }
    return _("The backup failed (%(error)s).") % {"error": type(error).__name__}


def database_unreachable(error: psycopg.Error) -> str:
    """psycopg's first line names the host, port and role, never the password."""
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    return _("The database could not be reached (%(reason)s).") % {"reason": reason}


def _backup_make(
    backup: Backup, *, output: Path | None = None, progress: Progress | None = None
) -> Backup:
    """Write the archive for a row that is running: record success (and keep N) or failure."""
    path = ""
    try:
        ring = backup_key_ring()
        database = default_database()
        archive_id = os.urandom(ARCHIVE_ID_SIZE)
        target = output or backup_dir() / _archive_name(archive_id=archive_id, now=timezone.now())
        path = str(target.absolute())
        # Committed before pg_dump takes its snapshot: the archive's own row names it.
        Backup.objects.filter(pk=backup.pk).update(
            path=path, archive_id=archive_id.hex(), key_id=ring.active_id
        )
        info = archive_write(
            path=target, database=database, ring=ring, archive_id=archive_id, progress=progress
        )
    except Exception as error:
        backup_record_failure(backup=backup, failure=_failure_sentence(error, path))
        raise
    backup = backup_record_success(backup=backup, info=info)
    backup_prune()
    return backup


@transaction.atomic
def backup_record_success(*, backup: Backup, info: ArchiveInfo) -> Backup:
    backup = Backup.objects.select_for_update().get(pk=backup.pk)
    backup.status, backup.finished_at = Backup.Status.SUCCEEDED, timezone.now()
    backup.path, backup.archive_id, backup.key_id = str(info.path), info.archive_id, info.key_id
    backup.size_bytes, backup.dump_bytes, backup.chunks = (
        info.size_bytes,
        info.dump_bytes,
        info.chunks,
    )
    backup.sha256, backup.failure = info.sha256, ""
    backup.save()
    audit_record(actor=None, action=BackupActions.CREATE, obj=backup)
    followup_cancel(subject=backup, kind=DEADLINE)
    return backup


@transaction.atomic
def backup_record_failure(*, backup: Backup, failure: str) -> None:
    now = timezone.now()
    Backup.objects.filter(pk=backup.pk).update(
        status=Backup.Status.FAILED, finished_at=now, failure=failure
    )
    audit_record(actor=None, action=BackupActions.FAIL, obj=backup)
    logger.warning("operations: backup %s failed: %s", backup.pk.hex, failure)
    if backup.trigger != Backup.Trigger.COMMAND:
        # Tell the administrators now (the deadline's handler fails the duty), not in hours.
        followup_cancel(subject=backup, kind=DEADLINE)
        followup_schedule(kind=DEADLINE, subject=backup, due_at=now)


def backup_create(*, output: Path | None = None, progress: Progress | None = None) -> Backup:
    """`manage.py backup`: make an archive now, in this process. Raises with the reason."""
    backup = Backup.objects.create(
        trigger=Backup.Trigger.COMMAND, status=Backup.Status.RUNNING, started_at=timezone.now()
    )
    return _backup_make(backup, output=output, progress=progress)


def backup_run(*, backup_id: str) -> Backup | None:
    """The Celery task's service: make a queued backup. Safe to run twice: only the run that
    moves the row from queued to running does anything."""
    claimed = Backup.objects.filter(pk=backup_id, status=Backup.Status.QUEUED).update(
        status=Backup.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    backup = Backup.objects.get(pk=backup_id)
    try:
        return _backup_make(backup)
    except Exception:  # recorded on the row, in the log and (by the deadline) as an alert
        return Backup.objects.get(pk=backup_id)


def backup_prune(*, keep: int | None = None) -> list[Backup]:
    """Delete the archives in BACKUP_DIR beyond the `keep` (BACKUP_KEEP) newest good ones, and
    leftovers of runs that died (`*.partial` older than any run can last). Archives written
    elsewhere (`backup --output`) and files no row names are never touched."""
    keep = settings.BACKUP_KEEP if keep is None else keep
    directory = backup_dir().resolve()
    kept = Backup.objects.filter(status=Backup.Status.SUCCEEDED, pruned_at__isnull=True)
    managed = [
        backup
        for backup in kept.order_by("-finished_at")
        if Path(backup.path).parent.resolve() == directory
    ]
    pruned = []
    for backup in managed[keep:]:
        Path(backup.path).unlink(missing_ok=True)
        with transaction.atomic():
            backup.pruned_at = timezone.now()
            backup.save(update_fields=["pruned_at"])
            audit_record(actor=None, action=BackupActions.PRUNE, obj=backup)
        pruned.append(backup)
    stale = time.time() - TASK_TIME_LIMIT
    for leftover in directory.glob(f"*{SUFFIX}{PARTIAL}"):
        if leftover.stat().st_mtime < stale:
            leftover.unlink(missing_ok=True)
    return pruned


def next_backup_time(*, after: datetime.datetime) -> datetime.datetime:
    """The first BACKUP_TIME (UTC, like Celery beat's clock) strictly after `after`."""
    hour, minute = settings.BACKUP_TIME
    candidate = after.astimezone(datetime.UTC).replace(
        hour=hour, minute=minute, second=0, microsecond=0
    )
    return candidate if candidate > after else candidate + datetime.timedelta(days=1)


def _nightly_schedule(*, due_at: datetime.datetime) -> Backup:
    backup = Backup.objects.create(
        trigger=Backup.Trigger.NIGHTLY, status=Backup.Status.SCHEDULED, due_at=due_at
    )
    followup_schedule(kind=NIGHTLY, subject=backup, due_at=due_at)
    return backup


@transaction.atomic
def backup_nightly_ensure(*, now: datetime.datetime | None = None) -> Backup | None:
    """Beat, at BACKUP_TIME: start the chain of nightly rows if there is none (a new install, or
    a chain someone cancelled). Normally each night's handler has scheduled the next already."""
    if FollowUp.objects.filter(kind=NIGHTLY, state=FollowUp.State.PENDING).exists():
        return None
    return _nightly_schedule(due_at=now or timezone.now())


def _queue(backup: Backup, *, now: datetime.datetime) -> None:
    backup.status = Backup.Status.QUEUED
    backup.save(update_fields=["status"])
    followup_schedule(kind=DEADLINE, subject=backup, due_at=now + DEADLINE_AFTER)
    enqueue_after_commit(RUN_TASK, backup_id=str(backup.pk))


def backup_nightly_start(followup: FollowUp) -> None:
    """Handler of `backup.nightly` (in the sweep's transaction): queue tonight's backup, and put
    tomorrow's row in place now, so that a night nobody starts is an overdue duty."""
    # Locked: a retried sweep must not queue the same night twice.
    backup = Backup.objects.select_for_update().filter(pk=followup.subject_id).first()
    if backup is None or backup.status != Backup.Status.SCHEDULED:
        return
    now = timezone.now()
    _queue(backup, now=now)
    _nightly_schedule(due_at=next_backup_time(after=now))


def backup_deadline_check(followup: FollowUp) -> None:
    """Handler of `backup.deadline`: a backup that is not made by now has failed."""
    backup = Backup.objects.filter(pk=followup.subject_id).first()
    if backup is None or backup.status == Backup.Status.SUCCEEDED:
        return
    raise BackupNotMade(backup.status)


def require_administrator(user: User) -> None:
    """Backups exist, for anyone else, as much as a missing page does."""
    if not (user.is_active and user.is_administrator):
        raise NotFound


@transaction.atomic
def backup_request(*, actor: User) -> Backup:
    """An administrator asks for a backup now (after fixing what made last night's fail)."""
    require_administrator(actor)
    # Two presses at once may both queue one; each makes a good archive, which is harmless.
    busy = Backup.Status.QUEUED, Backup.Status.RUNNING
    if Backup.objects.filter(status__in=busy).exists():
        raise BackupInProgress
    now = timezone.now()
    backup = Backup.objects.create(trigger=Backup.Trigger.REQUESTED, status=Backup.Status.QUEUED)
    _queue(backup, now=now)
    audit_record(actor=actor, action=BackupActions.REQUEST, obj=backup)
    return backup


# --- Restoring -----------------------------------------------------------------------------------


def backup_restore(*, path: Path, progress: Progress | None = None) -> Header:
    """`manage.py restore`: restore the configured (empty) database from an archive, then note
    in it what happened."""
    header = archive_restore(
        path=path, database=default_database(), ring=backup_key_ring(), progress=progress
    )
    backup_record_restore(header=header, size_bytes=path.stat().st_size)
    return header


@transaction.atomic
def backup_record_restore(*, header: Header, size_bytes: int) -> None:
    """In the restored database: the archive's own row (running when it was dumped) is made and
    checked (it was just read whole); other backups running then never finish here; the restore
    is an audit event."""
    now = timezone.now()
    running = Backup.objects.select_for_update().filter(
        status__in=[Backup.Status.QUEUED, Backup.Status.RUNNING]
    )
    own = None
    for backup in running:
        followup_cancel(subject=backup, kind=DEADLINE)
        if backup.archive_id == header.archive_id.hex():
            own = backup
            backup.status, backup.size_bytes = Backup.Status.SUCCEEDED, size_bytes
            backup.finished_at = datetime.datetime.fromtimestamp(header.created_at, tz=datetime.UTC)
        else:
            backup.status, backup.finished_at = Backup.Status.FAILED, now
            backup.failure = _("Interrupted: the database was restored from an archive.")
        backup.save()
    audit_record(actor=None, action=BackupActions.RESTORE, obj=own)
