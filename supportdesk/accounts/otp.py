"""The pieces of two-factor codes that need no database: secrets, codes, their hashes, the
authenticator's URI. Checking a code against a device is in `supportdesk.accounts.models`."""

from __future__ import annotations

import hashlib
import re
import secrets
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings

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


def totp_uri(*, username: str, secret: bytes) -> str:
    issuer = settings.OTP_TOTP_ISSUER
    label = quote(f"{issuer}:{username}")
    query = urlencode(
        {"secret": manual_key(secret), "issuer": issuer, "digits": TOTP_DIGITS, "period": 30}
    )
    return f"otpauth://totp/{label}?{query}"


def manual_key(secret: bytes) -> str:
    return b32encode(secret).decode("ascii").rstrip("=")


def backup_code_hash(code: str) -> str:
    return hashlib.sha256(clean_code(code).encode("ascii", "ignore")).hexdigest()


def new_backup_codes() -> list[str]:
    codes = []
    for _ in range(BACKUP_CODE_COUNT):
        raw = "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, BACKUP_CODE_LENGTH, 4)))
    return codes
