"""TOTP secrets (supportdesk.accounts) are stored by the vault under their user's data key."""

import pytest
from django.db import connection
from django_otp.oath import totp

from supportdesk.accounts.models import TOTPDevice, User, totp_verify
from supportdesk.accounts.otp import manual_key
from supportdesk.accounts.services import totp_enrol_pending
from supportdesk.vault.crypto import DecryptionError, Sealed
from supportdesk.vault.models import DataKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def device() -> TOTPDevice:
    user = User.objects.create_user("totp-user", "a-long-enough-password")
    return totp_enrol_pending(user=user)


def raw_secret(device: TOTPDevice) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice WHERE id = %s", [device.pk])
        return bytes(cursor.fetchone()[0])


def test_the_secret_is_stored_encrypted_under_the_users_key(device: TOTPDevice) -> None:
    secret = bytes(TOTPDevice.objects.get(pk=device.pk).secret)
    raw = raw_secret(device)
    assert len(secret) == 20
    assert secret not in raw and secret.hex().encode() not in raw
    assert manual_key(secret).encode() not in raw
    user_key = DataKey.objects.get(holder_type="accounts.user", holder_id=device.user_id)
    assert Sealed(raw).key_id == user_key.id


def test_codes_from_the_encrypted_secret_verify(device: TOTPDevice) -> None:
    loaded = TOTPDevice.objects.get(pk=device.pk)
    assert totp_verify(device=loaded, token=f"{totp(bytes(loaded.secret)):06d}")


def test_a_secret_copied_to_another_device_does_not_open(device: TOTPDevice) -> None:
    other = totp_enrol_pending(user=User.objects.create_user("other", "a-long-enough-password"))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_totpdevice SET secret = %s WHERE id = %s",
            [raw_secret(device), other.pk],
        )
    with pytest.raises(DecryptionError):
        _ = TOTPDevice.objects.get(pk=other.pk).secret
