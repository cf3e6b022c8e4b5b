from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp

from supportdesk.accounts.models import BackupCode, TOTPDevice, User
from supportdesk.accounts.tests.factories import PASSWORD
from supportdesk.audit.models import AuditEvent
from supportdesk.testing import current_code, enrol_totp

if TYPE_CHECKING:
    from supportdesk.testing import ClientResponse

pytestmark = pytest.mark.django_db

LOGIN, OTP, ENROL = "/accounts/login/", "/accounts/two-factor/", "/accounts/two-factor/setup/"


def password_step(client: Client, username: str, password: str = PASSWORD) -> ClientResponse:
    return client.post(LOGIN, {"username": username, "password": password})


def enrol_through_pages(client: Client, user: User) -> list[str]:
    assert client.get(ENROL).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(ENROL, {"code": current_code(device)})
    assert response.status_code == 200
    return re.findall(r"<code>([A-Z0-9\-]{19})</code>", response.content.decode())


def test_first_login_goes_straight_to_enrolment(client: Client, volunteer: User) -> None:
    response = password_step(client, "volunteer")
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)
    # Nothing else is reachable until a device is confirmed.
    assert client.get("/", follow=True).redirect_chain[-1][0].startswith(ENROL)
    assert client.get("/accounts/security/")["Location"].startswith(OTP)
    assert client.get("/api/v1/accounts/me/").status_code == 401


def test_enrolment_confirms_the_device_and_shows_ten_backup_codes_once(
    client: Client, volunteer: User
) -> None:
    password_step(client, "volunteer")
    codes = enrol_through_pages(client, volunteer)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200
    stored = BackupCode.objects.filter(device__user=volunteer).values_list("code_hash", flat=True)
    assert not set(codes) & set(stored)  # only hashes are kept
    session_data = str(dict(client.session))
    assert not any(code in session_data for code in codes)  # shown once, never kept


def test_enrolment_page_shows_a_qr_code_and_the_manual_key(client: Client, volunteer: User) -> None:
    password_step(client, "volunteer")
    page = client.get(ENROL).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=volunteer, confirmed=False)
    from supportdesk.accounts.otp import manual_key

    assert manual_key(bytes(device.secret)) in page


def test_a_wrong_enrolment_code_confirms_nothing(client: Client, volunteer: User) -> None:
    password_step(client, "volunteer")
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000"})
    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=volunteer, confirmed=True).exists()


def test_a_password_alone_cannot_replace_the_authenticator(client: Client, volunteer: User) -> None:
    enrol_totp(volunteer)
    password_step(client, "volunteer")
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(OTP)
    assert client.post(ENROL, {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=volunteer).count() == 1


def test_login_with_password_and_totp(client: Client, volunteer: User) -> None:
    device = enrol_totp(volunteer)
    response = password_step(client, "volunteer")
    assert response["Location"].startswith(OTP)
    session_after_password = client.session.session_key
    response = client.post(OTP, {"code": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session.session_key != session_after_password  # a new id once verified
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", actor_id=volunteer.pk).exists()


def test_login_returns_to_the_page_asked_for(client: Client, volunteer: User) -> None:
    device = enrol_totp(volunteer)
    client.get("/accounts/security/")
    client.post(
        LOGIN + "?next=/accounts/security/", {"username": "volunteer", "password": PASSWORD}
    )
    response = client.post(OTP + "?next=/accounts/security/", {"code": current_code(device)})
    assert response["Location"] == "/accounts/security/"


def test_login_never_redirects_to_another_site(client: Client, volunteer: User) -> None:
    device = enrol_totp(volunteer)
    password_step(client, "volunteer")
    response = client.post(OTP + "?next=https://evil.example/", {"code": current_code(device)})
    assert response["Location"] == "/"


def test_a_code_typed_with_myanmar_digits_is_accepted(client: Client, volunteer: User) -> None:
    device = enrol_totp(volunteer)
    password_step(client, "volunteer")
    code = current_code(device).translate(str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉"))
    assert client.post(OTP, {"code": code}).status_code == 302


def test_a_replayed_totp_code_is_refused(volunteer: User) -> None:
    device = enrol_totp(volunteer)
    code = current_code(device)
    first, second = Client(), Client()
    password_step(first, "volunteer")
    assert first.post(OTP, {"code": code}).status_code == 302
    password_step(second, "volunteer")
    response = second.post(OTP, {"code": code})
    assert response.status_code == 400
    assert second.get("/").status_code == 302


def test_an_earlier_code_is_refused_after_a_later_one_was_used(volunteer: User) -> None:
    device = enrol_totp(volunteer)
    earlier = f"{totp(bytes(device.secret), drift=-1):06d}"
    client = Client()
    password_step(client, "volunteer")
    assert client.post(OTP, {"code": current_code(device)}).status_code == 302
    other = Client()
    password_step(other, "volunteer")
    assert other.post(OTP, {"code": earlier}).status_code == 400


def test_a_backup_code_logs_in_once(client: Client, volunteer: User) -> None:
    password_step(client, "volunteer")
    codes = enrol_through_pages(client, volunteer)
    client.post("/accounts/logout/")

    first = Client()
    password_step(first, "volunteer")
    assert first.post(OTP, {"code": codes[0].lower()}).status_code == 302
    second = Client()
    password_step(second, "volunteer")
    assert second.post(OTP, {"code": codes[0]}).status_code == 400
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # after the 1 s slow-down
        assert second.post(OTP, {"code": codes[1].replace("-", " ")}).status_code == 302


def test_unknown_user_and_wrong_password_answer_identically(
    client: Client, volunteer: User
) -> None:
    unknown = client.post(LOGIN, {"username": "nobody-here", "password": "wrong password 1"})
    wrong = client.post(LOGIN, {"username": "volunteer", "password": "wrong password 1"})
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|value="[^"]*"')
    assert unknown.status_code == wrong.status_code == 400
    assert strip.sub("", unknown.content.decode()) == strip.sub("", wrong.content.decode())


def test_logout_ends_the_session(client: Client, volunteer: User) -> None:
    device = enrol_totp(volunteer)
    password_step(client, "volunteer")
    client.post(OTP, {"code": current_code(device)})
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_the_session_ends_after_idle_time(client: Client, volunteer: User, settings) -> None:
    device = enrol_totp(volunteer)
    password_step(client, "volunteer")
    client.post(OTP, {"code": current_code(device)})
    assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + settings.SESSION_IDLE_TIMEOUT + timedelta(minutes=1)):
        assert client.get("/").status_code == 302


def test_the_session_ends_after_its_absolute_lifetime(
    client: Client, volunteer: User, settings
) -> None:
    device = enrol_totp(volunteer)
    password_step(client, "volunteer")
    client.post(OTP, {"code": current_code(device)})
    start = timezone.now()
    step = settings.SESSION_IDLE_TIMEOUT - timedelta(minutes=5)
    elapsed = timedelta(0)
    while elapsed < settings.SESSION_ABSOLUTE_LIFETIME - step:
        elapsed += step
        with time_machine.travel(start + elapsed):
            assert client.get("/").status_code == 200  # active: idle timeout never reached
    with time_machine.travel(start + settings.SESSION_ABSOLUTE_LIFETIME + timedelta(minutes=1)):
        assert client.get("/").status_code == 302


def test_changing_password_ends_other_sessions_and_tokens(volunteer: User) -> None:
    from supportdesk.testing import token_client, verified_client

    here, elsewhere = verified_client(volunteer), verified_client(volunteer)
    api = token_client(volunteer)
    response = here.post(
        "/accounts/security/",
        {"current_password": PASSWORD, "new_password": "a brand new passphrase 7"},
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert api.get("/api/v1/accounts/me/").status_code == 401


def test_a_weak_new_password_is_refused_with_a_message(client: Client, volunteer: User) -> None:
    from supportdesk.testing import verified_client

    here = verified_client(volunteer)
    response = here.post(
        "/accounts/security/", {"current_password": PASSWORD, "new_password": "short"}
    )
    assert response.status_code == 400
    assert "at least 12 characters" in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.check_password(PASSWORD)


def test_changing_the_authenticator_ends_other_sessions(volunteer: User) -> None:
    from supportdesk.testing import token_client, verified_client

    here, elsewhere = verified_client(volunteer), verified_client(volunteer)
    api = token_client(volunteer)
    old = TOTPDevice.objects.get(user=volunteer, confirmed=True)
    assert here.get(ENROL).status_code == 200
    new = TOTPDevice.objects.get(user=volunteer, confirmed=False)
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert here.post(ENROL, {"code": current_code(new)}).status_code == 200
        assert here.get("/").status_code == 200
        assert elsewhere.get("/").status_code == 302
        assert api.get("/api/v1/accounts/me/").status_code == 401
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_inactive_accounts_cannot_log_in(client: Client, volunteer: User) -> None:
    enrol_totp(volunteer)
    User.objects.filter(pk=volunteer.pk).update(is_active=False)
    assert password_step(client, "volunteer").status_code == 400
