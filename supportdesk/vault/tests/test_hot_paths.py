"""The per-value paths keep what they cache (the row's part of the associated data, the data keys
of a page) bound to the right row, and the process key cache keeps its lifetime and size limit."""

import uuid

import pytest
from django.utils import timezone

from supportdesk.vault import crypto
from supportdesk.vault.crypto import DecryptionError, HolderShredded, Sealed, key_cache
from supportdesk.vault.fields import EncryptedDateField, EncryptedTextField
from supportdesk.vault.models import DataKey
from supportdesk.vault.tests.factories import dossier_create, relative_create
from supportdesk.vault.tests.vaulttest.models import Dossier, Relative

pytestmark = pytest.mark.django_db


def test_a_value_moved_onto_a_row_whose_prefix_is_cached_fails_to_open() -> None:
    one, two = dossier_create(name="Min Aung"), dossier_create(name="Ko Ko")
    loaded_one, loaded_two = Dossier.objects.filter(pk__in=[one.pk, two.pk]).in_bulk().values()
    assert {loaded_one.name, loaded_two.name} == {"Min Aung", "Ko Ko"}  # row prefixes cached
    stored = next(iter(Dossier.objects.filter(pk=loaded_one.pk).values_list("handle", flat=True)))
    loaded_two.__dict__["handle"] = stored  # another row's value, same field
    with pytest.raises(DecryptionError):
        _ = loaded_two.handle
    loaded_one.__dict__["notes"] = stored  # same row, another field
    with pytest.raises(DecryptionError):
        _ = loaded_one.notes


def test_a_value_moved_between_rows_under_one_key_fails_with_the_page_keys() -> None:
    dossier = dossier_create()
    relative_create(dossier, name="Daw Hla")
    relative_create(dossier, name="U Ba")
    one, two = Relative.objects.order_by("relation", "id")
    assert one.__dict__["_vault_keys"]  # the page's keys are used
    assert one.name in ("Daw Hla", "U Ba")
    two.__dict__["name"] = bytes(Relative.objects.values_list("name", flat=True).get(pk=one.pk))
    with pytest.raises(DecryptionError):
        _ = two.name


def test_a_new_row_id_is_bound_even_when_the_old_one_was_cached() -> None:
    dossier = Dossier.objects.get(pk=dossier_create(name="Min Aung").pk)
    assert dossier.name == "Min Aung"  # caches the row's part of the associated data
    old_id, new_id = dossier.pk, uuid.uuid4()
    dossier.pk = new_id
    field = Dossier._meta.get_field("name")
    sealed = field.pre_save(dossier, add=True)
    assert sealed is not None
    label = "vaulttest.dossier"
    assert crypto.unseal(sealed, label=label, field="name", row_id=new_id) == b"Min Aung"
    with pytest.raises(DecryptionError):
        crypto.unseal(sealed, label=label, field="name", row_id=old_id)


def test_the_stored_format_and_associated_data_are_unchanged() -> None:
    dossier = dossier_create(name="Min Aung")
    blob = next(iter(Dossier.objects.filter(pk=dossier.pk).values_list("name", flat=True)))
    blob = bytes(blob)
    key_id = int.from_bytes(blob[1:9], "big")
    assert blob[0] == 1 and len(blob) == 1 + 8 + 12 + len("Min Aung") + 16
    ad = crypto.associated_data(
        label="vaulttest.dossier", field="name", row_id=dossier.pk, key_id=key_id
    )
    aead = crypto.data_key_for_id(key_id)
    assert aead is not None
    assert aead.decrypt(blob[9:21], blob[21:], ad) == b"Min Aung"


def test_a_value_naming_a_missing_data_key_fails_to_open() -> None:
    dossier = Dossier.objects.get(pk=dossier_create().pk)
    blob = bytes(dossier.__dict__["notes"])
    missing = max(DataKey.objects.values_list("id", flat=True)) + 1000
    dossier.__dict__["notes"] = blob[:1] + missing.to_bytes(8, "big") + blob[9:]
    with pytest.raises(DecryptionError):
        _ = dossier.notes


def test_a_page_larger_than_the_key_cache_reads_and_keeps_the_size_limit(settings) -> None:
    settings.VAULT_KEY_CACHE_SIZE = 2
    created = [dossier_create(name=f"Person {i}") for i in range(5)]
    key_cache.clear()
    names = sorted(d.name for d in Dossier.objects.all())
    assert names == sorted(f"Person {i}" for i in range(5))
    assert len(key_cache.by_header_table) <= 2
    assert len(key_cache.by_holder_table) <= 2
    assert len(created) == 5


def test_the_key_cache_drops_the_oldest_entries_first(settings) -> None:
    settings.VAULT_KEY_CACHE_SIZE = 2
    entries = [crypto._entry(i, None) for i in (1, 2, 3)]
    holders = [("vaulttest.dossier", uuid.uuid4()) for _ in entries]
    for holder, entry in zip(holders, entries, strict=True):
        key_cache.put(holder, entry)
    assert key_cache.by_header(entries[0].header) is None
    assert key_cache.by_header(entries[2].header) == entries[2]
    assert key_cache.holder(*holders[0]) is None
    assert key_cache.holder(*holders[1]) == entries[1]
    key_cache.clear()
    key_cache.put_many(zip(holders, entries, strict=True))  # a batch ends the same way
    assert key_cache.by_header(entries[0].header) is None
    assert key_cache.holder(*holders[1]) == entries[1]
    assert key_cache.holder(*holders[2]) == entries[2]


def test_an_expired_key_is_fetched_again_when_reading(settings, django_assert_num_queries) -> None:
    dossier = Dossier.objects.get(pk=dossier_create(name="Min Aung").pk)
    del dossier.__dict__["_vault_keys"]  # no page: the process cache alone
    settings.VAULT_KEY_CACHE_SECONDS = -1  # every entry is already expired
    key_cache.clear()
    with django_assert_num_queries(1):
        assert dossier.name == "Min Aung"
    with django_assert_num_queries(1):
        assert dossier.phone == "09 420 123456"


def test_an_expired_holder_key_is_not_used_for_sealing(settings) -> None:
    settings.VAULT_KEY_CACHE_SECONDS = -1  # every entry is put already expired
    dossier = dossier_create(name="Min Aung")
    assert key_cache.by_holder_table  # the holder's entry is there, but stale
    DataKey.objects.filter(holder_id=dossier.pk).update(
        wrapped=None, kek_id="", shredded_at=timezone.now()
    )  # shredded by another process
    dossier.name = "changed"
    with pytest.raises(HolderShredded):
        Dossier._meta.get_field("name").pre_save(dossier, add=False)


def test_text_fields_take_the_plain_utf8_path_and_others_do_not() -> None:
    class Upper(EncryptedTextField):
        def encode(self, value: object) -> bytes:
            return str(value).upper().encode()

    assert EncryptedTextField().text_codec
    assert not EncryptedDateField().text_codec
    assert not Upper().text_codec


def test_sealed_values_compare_by_their_bytes() -> None:
    assert Sealed(b"x" * 40) == Sealed(b"x" * 40)
