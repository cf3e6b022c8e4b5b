"""TOTP and backup-code verification, built on django-otp's device model and its throttling.

Callers hold the device row locked (`select_for_update`) so two requests with the same code cannot
both pass: the second sees the advanced `last_t` (TOTP) or the `used_at` stamp (backup code).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from base64 import b32encode
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils import timezone
from django_otp.oath import TOTP

if TYPE_CHECKING:
    from supportdesk.accounts.models import BackupCodeDevice, TOTPDevice, User

TOTP_DIGITS = 6
BACKUP_CODE_COUNT = 10
BACKUP_CODE_ALPHABET = (
    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or copied by hand
)
BACKUP_CODE_LENGTH = 16  # 16 symbols of 32 = 80 bits, far beyond guessing, so SHA-256 suffices

_MYANMAR_DIGITS = str.maketrans("၀၁၂၃၄၅၆၇၈၉", "0123456789")


def clean_code(token: str) -> str:
    """Codes typed on a phone may carry spaces, dashes or Myanmar digits."""
    return re.sub(r"[\s\-]", "", token.translate(_MYANMAR_DIGITS)).upper()


def new_totp_secret() -> bytes:
    return secrets.token_bytes(20)


def totp_uri(*, user: User, secret: bytes) -> str:
    issuer = settings.OTP_TOTP_ISSUER
    label = quote(f"{issuer}:{user.username}")
    query = urlencode(
        {"secret": manual_key(secret), "issuer": issuer, "digits": TOTP_DIGITS, "period": 30}
    )
    return f"otpauth://totp/{label}?{query}"


def manual_key(secret: bytes) -> str:
    return b32encode(secret).decode("ascii").rstrip("=")


def totp_verify(*, device: TOTPDevice, token: str) -> bool:
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return False
    token = clean_code(token)
    totp = TOTP(bytes(device.secret), digits=TOTP_DIGITS)
    totp.time = time.time()
    if re.fullmatch(rf"\d{{{TOTP_DIGITS}}}", token) and totp.verify(
        int(token), tolerance=settings.SUPPORTDESK_TOTP_ENROL_WINDOW, min_t=device.last_t + 1
    ):
        device.last_t = totp.t()
        device.throttle_reset(commit=False)
        device.save(
            update_fields=["last_t", "throttling_failure_count", "throttling_failure_timestamp"]
        )
        return True
    device.throttle_increment()
    return False


def backup_code_hash(code: str) -> str:
    return hashlib.sha256(clean_code(code).encode("ascii", "ignore")).hexdigest()


def new_backup_codes() -> list[str]:
    codes = []
    for _ in range(BACKUP_CODE_COUNT):
        raw = "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, BACKUP_CODE_LENGTH, 4)))
    return codes


def backup_code_verify(*, device: BackupCodeDevice, token: str) -> bool:
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return False
    if len(clean_code(token)) == BACKUP_CODE_LENGTH:
        # The conditional UPDATE is what makes a code single-use, even under concurrent requests.
        used = device.codes.filter(code_hash=backup_code_hash(token), used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if used:
            device.throttle_reset()
            return True
    device.throttle_increment()
    return False
