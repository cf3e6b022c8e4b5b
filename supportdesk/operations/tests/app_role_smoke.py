"""Run by test_db_roles in a process whose DATABASE_URL is the app role: the app's own writes
(a case and its data key, an audit event and its seal, a shred, a sweep, a backup) all work."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from django.core.management import call_command

from cases.models import Case
from cases.tests.factories import CaseFactory, FamilyMemberFactory
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.audit import chain
from supportdesk.audit.actions import AuditActions
from supportdesk.audit.services import audit_record, audit_record_view
from supportdesk.followups.sweep import followups_sweep
from supportdesk.vault.crypto import is_shredded, key_cache
from supportdesk.vault.services import key_holder_shred


def main() -> None:
    member = MembershipFactory.create()
    case = CaseFactory.create(team=member.team, real_name="Ko Aung")
    FamilyMemberFactory.create(case=case, name="Ma Hla")
    key_cache.clear()
    if Case.objects.get(pk=case.pk).real_name != "Ko Aung":
        sys.exit("the case did not read back")
    audit_record_view(actor=member.user, obj=case, fields=["real_name"])
    other = CaseFactory.create(team=member.team)
    shredded = key_holder_shred(holder=other)
    audit_record(
        actor=member.user, action=AuditActions.KEY_HOLDER_SHRED, obj=other, fields=shredded.fields
    )
    key_cache.clear()
    if not is_shredded(Case.objects.get(pk=other.pk).real_name):
        sys.exit("the shred did not take")
    sealed = chain.audit_seal()
    if not sealed or not chain.verify().intact:
        sys.exit("the audit chain was not sealed")
    followups_sweep()
    with tempfile.TemporaryDirectory() as folder:
        call_command("backup", "--output", str(Path(folder) / "a.sdbackup"), "--no-progress")
    print(f"app role works: {sealed} events sealed")


if __name__ == "__main__":
    import django

    django.setup()
    main()
