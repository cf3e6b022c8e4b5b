"""A stored value that was altered, or copied to another row or field, must not open."""

import uuid

import pytest
from django.db import connection

from supportdesk.vault.crypto import DecryptionError
from supportdesk.vault.tests.factories import dossier_create, relative_create
from supportdesk.vault.tests.vaulttest.models import Dossier, Relative

pytestmark = pytest.mark.django_db


def read_raw(table: str, column: str, pk: uuid.UUID) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return bytes(cursor.fetchone()[0])


def write_raw(table: str, column: str, pk: uuid.UUID, value: bytes) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608


@pytest.mark.parametrize("position", [0, 5, 12, 25, -1])
def test_a_flipped_byte_fails_to_decrypt(position: int) -> None:
    dossier = dossier_create(name="Min Aung")
    raw = bytearray(read_raw("vaulttest_dossier", "name", dossier.pk))
    raw[position] ^= 0x01
    write_raw("vaulttest_dossier", "name", dossier.pk, bytes(raw))
    loaded = Dossier.objects.get(pk=dossier.pk)
    with pytest.raises(DecryptionError) as raised:
        _ = loaded.name
    assert "Min Aung" not in str(raised.value)


def test_a_truncated_value_fails_to_decrypt() -> None:
    dossier = dossier_create()
    write_raw("vaulttest_dossier", "name", dossier.pk, b"\x01\x00")
    with pytest.raises(DecryptionError):
        _ = Dossier.objects.get(pk=dossier.pk).name


def test_a_value_moved_to_another_row_fails_to_decrypt() -> None:
    victim, other = dossier_create(name="Min Aung"), dossier_create(name="Ko Ko")
    write_raw(
        "vaulttest_dossier", "name", other.pk, read_raw("vaulttest_dossier", "name", victim.pk)
    )
    with pytest.raises(DecryptionError):
        _ = Dossier.objects.get(pk=other.pk).name


def test_a_value_moved_to_another_row_under_the_same_key_fails_to_decrypt() -> None:
    dossier = dossier_create()
    one, two = relative_create(dossier, name="Daw Hla"), relative_create(dossier, name="U Ba")
    write_raw("vaulttest_relative", "name", two.pk, read_raw("vaulttest_relative", "name", one.pk))
    with pytest.raises(DecryptionError):
        _ = Relative.objects.get(pk=two.pk).name


def test_a_value_moved_to_another_field_fails_to_decrypt() -> None:
    dossier = dossier_create(name="Min Aung", handle="@minaung")
    write_raw(
        "vaulttest_dossier", "handle", dossier.pk, read_raw("vaulttest_dossier", "name", dossier.pk)
    )
    with pytest.raises(DecryptionError):
        _ = Dossier.objects.get(pk=dossier.pk).handle


def test_a_value_moved_to_another_model_fails_to_decrypt() -> None:
    dossier = dossier_create(name="Min Aung")
    relative = relative_create(dossier)
    write_raw(
        "vaulttest_relative", "name", relative.pk, read_raw("vaulttest_dossier", "name", dossier.pk)
    )
    with pytest.raises(DecryptionError):
        _ = Relative.objects.get(pk=relative.pk).name


def test_a_tampered_value_is_not_saved_over_silently() -> None:
    dossier = dossier_create()
    raw = bytearray(read_raw("vaulttest_dossier", "notes", dossier.pk))
    raw[-1] ^= 0x80
    write_raw("vaulttest_dossier", "notes", dossier.pk, bytes(raw))
    loaded = Dossier.objects.get(pk=dossier.pk)
    loaded.alias = "changed"
    with pytest.raises(DecryptionError):
        loaded.save()


def test_a_wrapped_data_key_moved_to_another_holder_fails_to_unwrap() -> None:
    from supportdesk.vault.crypto import key_cache
    from supportdesk.vault.models import DataKey

    one, two = dossier_create(), dossier_create()
    key_one = DataKey.objects.get(holder_id=one.pk)
    DataKey.objects.filter(holder_id=two.pk).update(wrapped=key_one.wrapped)
    key_cache.clear()
    with pytest.raises(DecryptionError):
        _ = Dossier.objects.get(pk=two.pk).name
