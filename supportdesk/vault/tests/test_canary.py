"""Canary: values written through the public API appear nowhere in plain sight.

Every encrypted field gets a unique marker (ASCII and Burmese); then every column of every table,
a pg_dump of the database, every Redis key and value, the captured logs (with SQL logging on) and
the records' repr/str are searched for each marker in plain, UTF-16, base64, hex and \\uXXXX form.
"""

import base64
import datetime
import decimal
import logging
import secrets
import subprocess
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from supportdesk.accounts.models import User
from supportdesk.accounts.otp import manual_key
from supportdesk.accounts.services import totp_enrol_pending
from supportdesk.vault.crypto import DecryptionError, key_cache
from supportdesk.vault.normalise import normalise_phone
from supportdesk.vault.tests.vaulttest.models import Dossier, Relative

BURMESE = "ကခဂဃငစဆဇဈညဋဌဍဎဏတထဒဓနပဖဗဘမယရလဝသဟဠအ"


def marker(kind: str) -> str:
    ascii_part = f"CANARY{kind.upper()}{secrets.token_hex(6)}"
    burmese_part = "".join(secrets.choice(BURMESE) for _ in range(8))
    return f"{ascii_part} {burmese_part}"


def forms(text: str) -> Iterator[bytes]:
    """Byte strings whose presence would reveal `text` (or its ASCII or Burmese part)."""
    parts = [text, *text.split(" ")]
    for part in parts:
        raw = part.encode("utf-8")
        yield raw
        yield part.encode("utf-16-le")
        yield part.encode("utf-16-be")
        yield raw.hex().encode()
        yield raw.hex().upper().encode()
        escaped = "".join(f"\\u{ord(c):04x}" for c in part).encode()
        yield escaped
        yield escaped.upper().replace(b"\\U", b"\\u")
        for shift in range(3):  # base64 depends on alignment: drop the edge characters
            encoded = base64.b64encode(b"\0" * shift + raw)
            yield encoded[4 : -4 if len(encoded) > 12 else None]


def bytes_forms(raw: bytes) -> Iterator[bytes]:
    yield raw
    yield raw.hex().encode()
    yield base64.b64encode(raw)[:-4]


def phone_marker() -> str:
    """A unique, valid Myanmar mobile number (a phone field with a blind index takes no other)."""
    while True:
        number = f"+9594{secrets.randbelow(10**8):08d}"
        try:
            return normalise_phone(number)
        except ValidationError:
            continue


@pytest.fixture
def markers() -> dict[str, str]:
    found = {name: marker(name) for name in ("name", "handle", "notes", "profile", "rel")}
    found["phone"] = phone_marker()
    found["phone digits"] = found["phone"][4:]  # as typed nationally: 09... minus the 0
    return found


def create_records(markers: dict[str, str]) -> tuple[Dossier, Relative]:
    dossier = Dossier.objects.create(
        alias="Special 007",
        name=markers["name"],
        phone=markers["phone"],
        handle=markers["handle"],
        notes=markers["notes"],
        born=datetime.date(1913, 7, 23),
        profile={"story": markers["profile"], markers["profile"]: [1, 2]},
        amount=decimal.Decimal("987654321.37"),
        photo=b"PHOTO" + secrets.token_bytes(24),
    )
    relative = Relative.objects.create(
        dossier=dossier, relation="wife", name=markers["rel"], phone="+66 81 234 5678"
    )
    return dossier, relative


def enrol_authenticator() -> bytes:
    user = User.objects.create_user("canary-user", "a-long-enough-password")
    return bytes(totp_enrol_pending(user=user).secret)


def everything_in_the_database() -> list[bytes]:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalogue
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode("utf-8"))
    return chunks


def pg_dump() -> bytes:
    s = connection.settings_dict
    return subprocess.run(  # noqa: S603 - fixed arguments
        ["pg_dump", "-h", s["HOST"], "-p", str(s["PORT"] or 5432), "-U", s["USER"], s["NAME"]],  # noqa: S607
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout


def everything_in_redis() -> list[bytes]:
    client = redis.Redis.from_url(settings.REDIS_URL)
    chunks = []
    for key in client.scan_iter(count=1000):
        chunks.append(key)
        kind = client.type(key)
        if kind == b"string":
            chunks.append(client.get(key) or b"")
        elif kind == b"hash":
            chunks += [b for pair in client.hgetall(key).items() for b in pair]
        elif kind == b"list":
            chunks += client.lrange(key, 0, -1)
        elif kind == b"set":
            chunks += list(client.smembers(key))
        elif kind == b"zset":
            chunks += client.zrange(key, 0, -1)
    return chunks


def assert_absent(
    haystack: bytes, markers: dict[str, str], photo: bytes, totp_secret: bytes, where: str
) -> None:
    for name, text in markers.items():
        for form in forms(text):
            assert form not in haystack, f"{name} marker found in {where}"
    secrets_ = [*bytes_forms(photo), *bytes_forms(totp_secret)]
    for form in [*forms("1913-07-23"), *forms("987654321.37"), *secrets_]:
        assert form not in haystack, f"a value found in {where}"


@pytest.mark.django_db(transaction=True)
def test_no_marker_reaches_the_database_dump_redis_or_logs(
    markers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # SQL and its parameters go to the captured log
    try:
        dossier, relative = create_records(markers)
        totp_secret = enrol_authenticator()
        key_cache.clear()
        loaded = Dossier.objects.get(pk=dossier.pk)
        assert loaded.name == markers["name"]  # it is all there, for the right reader
        assert loaded.profile["story"] == markers["profile"]
        assert Relative.objects.get(pk=relative.pk).name == markers["rel"]
        assert Dossier.objects.filter_blind(phone="+66812345678").count() == 0
        with connection.cursor() as cursor:  # and a failed decrypt says nothing either
            cursor.execute("UPDATE vaulttest_dossier SET notes = name WHERE id = %s", [dossier.pk])
        with pytest.raises(DecryptionError) as raised:
            _ = Dossier.objects.get(pk=dossier.pk).notes
        logging.getLogger("canary").exception("decrypt failed", exc_info=raised.value)
    finally:
        connection.force_debug_cursor = False
    photo = bytes(loaded.photo)
    markers["totp secret (base32)"] = manual_key(totp_secret)

    assert_absent(b"\n".join(everything_in_the_database()), markers, photo, totp_secret, "a table")
    assert_absent(pg_dump(), markers, photo, totp_secret, "pg_dump")
    assert_absent(b"\n".join(everything_in_redis()), markers, photo, totp_secret, "Redis")
    assert "vaulttest_dossier" in caplog.text  # the SQL was captured
    assert_absent(caplog.text.encode("utf-8"), markers, photo, totp_secret, "the logs")
    for obj in (loaded, relative):
        assert_absent(f"{obj!r} {obj!s}".encode(), markers, photo, totp_secret, "repr/str")
