import pytest

from supportdesk.audit.models import AuditEvent
from supportdesk.vault.crypto import SHREDDED, HolderShredded, is_shredded
from supportdesk.vault.models import DataKey
from supportdesk.vault.services import key_holder_shred
from supportdesk.vault.tests.factories import dossier_create, relative_create
from supportdesk.vault.tests.vaulttest.models import Dossier, Relative

pytestmark = pytest.mark.django_db


@pytest.fixture
def shredded() -> Dossier:
    dossier = dossier_create(name="Min Aung")
    relative_create(dossier, name="Daw Hla")
    relative_create(dossier, name="U Ba")
    key_holder_shred(holder=dossier)
    return dossier


def test_a_shredded_holders_fields_read_as_shredded(shredded: Dossier) -> None:
    dossier = Dossier.objects.get(pk=shredded.pk)
    for name in ("name", "phone", "handle", "notes", "born", "profile", "amount", "photo"):
        assert is_shredded(getattr(dossier, name)), name
    assert dossier.alias == "Special 007"  # plain fields are untouched
    assert str(dossier.name) == "[shredded]"


def test_dependant_records_read_as_shredded(shredded: Dossier) -> None:
    relatives = list(Relative.objects.filter(dossier=shredded))
    assert len(relatives) == 2
    assert all(r.name is SHREDDED and r.note is SHREDDED for r in relatives)


def test_other_holders_are_unaffected(shredded: Dossier) -> None:
    other = dossier_create(name="Ko Ko")
    relative_create(other, name="Daw Mya")
    assert not key_holder_shred(holder=shredded).key_destroyed  # again: nothing changes
    assert Dossier.objects.get(pk=other.pk).name == "Ko Ko"
    assert Relative.objects.get(dossier=other).name == "Daw Mya"


def test_the_data_key_is_gone_and_cannot_come_back(shredded: Dossier) -> None:
    key = DataKey.objects.get(holder_id=shredded.pk)
    assert key.wrapped is None and key.shredded_at is not None
    with pytest.raises(HolderShredded):
        relative_create(shredded, name="New")


def test_shredding_clears_the_blind_indexes(shredded: Dossier) -> None:
    assert not Dossier.objects.filter_blind(phone="09 420 123456").exists()
    assert not Relative.objects.filter(dossier=shredded, phone_index__isnull=False).exists()


def test_a_shredded_record_can_still_be_saved_and_deleted(shredded: Dossier) -> None:
    dossier = Dossier.objects.get(pk=shredded.pk)
    _ = dossier.name
    dossier.alias = "closed"
    dossier.save()
    dossier.delete()
    assert not Dossier.objects.filter(pk=shredded.pk).exists()


def test_shredding_a_holder_without_records_leaves_a_tombstone() -> None:
    dossier = Dossier(alias="never saved fields")
    assert not key_holder_shred(holder=dossier).key_destroyed
    with pytest.raises(HolderShredded):
        Dossier.objects.create(id=dossier.id, alias="x", name="Someone")


def test_shredding_returns_the_field_names_it_made_unreadable_and_audits_nothing() -> None:
    dossier = dossier_create(name="Min Aung")
    relative_create(dossier, name="Daw Hla")
    shredded = key_holder_shred(holder=dossier)
    assert (shredded.holder_type, shredded.holder_id) == ("vaulttest.dossier", dossier.pk)
    assert "vaulttest.relative.name" in shredded.fields
    assert "vaulttest.dossier.phone" in shredded.fields
    assert list(shredded.fields) == sorted(shredded.fields)
    assert shredded.key_destroyed
    assert "Min Aung" not in repr(shredded)
    # The vault sits below the audit log: its callers record the event (cases/retention.py).
    assert not AuditEvent.objects.filter(action="vault.key_holder_shred").exists()
