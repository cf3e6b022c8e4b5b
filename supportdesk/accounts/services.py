"""Writes for accounts: login steps, two-factor enrolment, API tokens, revoking access."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from supportdesk.accounts import throttle
from supportdesk.accounts.audit_actions import AccountActions
from supportdesk.accounts.models import (
    ApiToken,
    BackupCode,
    BackupCodeDevice,
    Team,
    TOTPDevice,
    User,
    new_security_stamp,
)
from supportdesk.accounts.otp import (
    BACKUP_CODE_LENGTH,
    backup_code_hash,
    clean_code,
    new_backup_codes,
    new_totp_secret,
)
from supportdesk.audit.services import audit_record
from supportdesk.errors import ApplicationError, TooManyAttempts

TOKEN_PREFIX = "sdt_"  # noqa: S105 - a marker, not a secret
# A token's last use is written at most this often, so busy clients do not write on every request.
TOKEN_TOUCH_SECONDS = 60
ENROLMENT_LIFETIME = timedelta(minutes=15)


class AccountLocked(TooManyAttempts):
    default_message = _(
        "Too many failed attempts. Try again later, or ask your coordinator for help."
    )


class TwoFactorNotSetUp(ApplicationError):
    default_message = _("Set up two-factor login in the browser before using the API.")


# --- Users and teams --------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    email: str = "",
    display_name: str = "",
) -> User:
    user = User.objects.create_user(
        username, password, role=role, email=email, display_name=display_name
    )
    audit_record(
        actor=actor, action=AccountActions.ACCOUNT_CREATE, obj=user, fields=["username", "role"]
    )
    return user


@transaction.atomic
def team_add_member(*, actor: User | None, team: Team, user: User) -> None:
    _membership, created = team.memberships.get_or_create(user=user)
    if created:
        audit_record(
            actor=actor, action=AccountActions.TEAM_ADD_MEMBER, obj=team, fields=["members"]
        )


# --- Password and two-factor login steps ------------------------------------------------------


def login_throttle_check(*, username: str, ip: str | None) -> None:
    decision = throttle.login_check(username=username, ip=ip)
    if not decision.allowed:
        raise AccountLocked(retry_after=decision.retry_after)


@transaction.atomic
def login_password_failed(*, username: str, ip: str | None) -> None:
    throttle.login_failed(username=username, ip=ip)
    known = User.objects.filter(username=username).only("id").first()
    audit_record(actor=known, action=AccountActions.LOGIN_FAILED, obj=known)


@transaction.atomic
def otp_verify(*, user: User, token: str, ip: str | None) -> Device | None:
    """Check a TOTP or backup code for `user`. Returns the device that accepted it, or None."""
    login_throttle_check(username=user.username, ip=ip)
    # Row locks: the same code sent twice at once is accepted once (see supportdesk.accounts.otp).
    # Only the kind of device the code's shape fits, so a mistyped backup code does not also count
    # against (and slow down) the authenticator.
    model = BackupCodeDevice if len(clean_code(token)) == BACKUP_CODE_LENGTH else TOTPDevice
    for device in model.objects.select_for_update().filter(user=user, confirmed=True):
        if device.verify_token(token):
            throttle.login_succeeded(username=user.username)
            audit_record(
                actor=user, action=AccountActions.LOGIN, obj=user, fields=[type(device).__name__]
            )
            return device
    _otp_failed(user=user, ip=ip)
    return None


def _otp_failed(*, user: User, ip: str | None) -> None:
    throttle.login_failed(username=user.username, ip=ip)
    audit_record(actor=user, action=AccountActions.OTP_FAILED, obj=user)


def user_has_confirmed_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def totp_enrol_pending(*, user: User) -> TOTPDevice:
    """The authenticator being set up: the recent unconfirmed one (so a reload keeps the same QR
    code), or a new one. Older unconfirmed ones are discarded."""
    fresh_since = timezone.now() - ENROLMENT_LIFETIME
    pending = TOTPDevice.objects.filter(user=user, confirmed=False)
    pending.filter(created_at__lt=fresh_since).delete()
    device = pending.order_by("-created_at").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator", confirmed=False, secret=new_totp_secret()
        )
    return device


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    backup_codes: list[str]


@transaction.atomic
def totp_enrol_confirm(*, user: User, token: str, ip: str | None) -> Enrolment | None:
    login_throttle_check(username=user.username, ip=ip)
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-created_at")
        .first()
    )
    if device is None or not device.verify_token(token):
        _otp_failed(user=user, ip=ip)
        return None
    replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
    is_change = replaced.exists()
    replaced.delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _backup_codes_replace(user=user)
    if is_change:
        # A new authenticator may mean the old phone is lost: end every other session and token.
        _end_all_access(user=user)
    audit_record(actor=user, action=AccountActions.TOTP_ENROLLED, obj=user, fields=["totp_device"])
    return Enrolment(device=device, backup_codes=codes)


def _backup_codes_replace(*, user: User) -> list[str]:
    BackupCodeDevice.objects.filter(user=user).delete()
    device = BackupCodeDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = new_backup_codes()
    BackupCode.objects.bulk_create(
        BackupCode(device=device, code_hash=backup_code_hash(code)) for code in codes
    )
    return codes


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    codes = _backup_codes_replace(user=user)
    audit_record(
        actor=user,
        action=AccountActions.BACKUP_CODES_REGENERATED,
        obj=user,
        fields=["backup_codes"],
    )
    return codes


def backup_codes_remaining(*, user: User) -> int:
    return BackupCode.objects.filter(device__user=user, used_at__isnull=True).count()


@transaction.atomic
def password_change(*, user: User, new_password: str) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _end_all_access(user=user)
    audit_record(actor=user, action=AccountActions.PASSWORD_CHANGED, obj=user, fields=["password"])


# --- Ending access ----------------------------------------------------------------------------


def _end_all_access(*, user: User) -> None:
    """Every session (their auth hash includes the stamp) and every API token stops working."""
    user.security_stamp = new_security_stamp()
    user.save(update_fields=["security_stamp"])
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def user_revoke_all(*, actor: User, user: User) -> None:
    """Cut an account off at once (a seized phone): sessions, tokens and two-factor devices.

    The password goes too: a seized phone may have it saved, and with it alone the holder could
    enrol a new authenticator. An administrator sets a new password to let the person back in.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    _end_all_access(user=user)
    TOTPDevice.objects.filter(user=user).delete()
    BackupCodeDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action=AccountActions.REVOKE_ALL,
        obj=user,
        fields=["password", "sessions", "api_tokens", "otp_devices"],
    )


# --- API tokens -------------------------------------------------------------------------------


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: ApiToken


@transaction.atomic
def api_token_issue(*, user: User) -> IssuedToken:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    record = ApiToken.objects.create(
        user=user,
        token_hash=_token_hash(raw),
        created_at=now,
        last_used_at=now,
        expires_at=now + settings.API_TOKEN_ABSOLUTE_LIFETIME,
    )
    audit_record(actor=user, action=AccountActions.TOKEN_ISSUED, obj=record)
    return IssuedToken(token=raw, record=record)


def api_token_idle_expires_at(token: ApiToken) -> datetime:
    return min(token.last_used_at + settings.API_TOKEN_IDLE_TIMEOUT, token.expires_at)


def api_token_authenticate(raw: str) -> ApiToken | None:
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    now = timezone.now()
    if token is None or now >= api_token_idle_expires_at(token):
        return None
    if (now - token.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(actor=token.user, action=AccountActions.TOKEN_REVOKED, obj=token)
