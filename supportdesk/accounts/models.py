"""Users, teams, two-factor devices and API tokens.

A user has one role. A case belongs to one team; volunteers act on their teams' cases, a coordinator
coordinates the teams they are a member of, administrators manage accounts but are not shown case
contents unless also put on a team.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin
from django_otp.oath import TOTP

from supportdesk.accounts.otp import (
    BACKUP_CODE_LENGTH,
    TOTP_DIGITS,
    backup_code_hash,
    clean_code,
)
from supportdesk.vault.fields import EncryptedBinaryField

# Apps whose admin pages administrators manage. Case data is never registered in the admin.
ADMINISTERED_APPS = frozenset({"accounts"})


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields: object) -> User:
        user = self.model(username=self.model.normalize_username(username), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(
        self, username: str, password: str | None = None, **fields: object
    ) -> User:
        fields["role"] = User.Role.ADMINISTRATOR
        return self.create_user(username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        VOLUNTEER = "volunteer", _("Volunteer")
        COORDINATOR = "coordinator", _("Coordinator")
        ADMINISTRATOR = "administrator", _("Administrator")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(
        _("username"), max_length=150, unique=True, validators=[UnicodeUsernameValidator()]
    )
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VOLUNTEER)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Part of every session's auth hash: rotating it ends all sessions at their next request.
    security_stamp = models.CharField(max_length=64, default=new_security_stamp, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["username"]

    if TYPE_CHECKING:
        # Installed on `request.user` by django-otp's OTPMiddleware: True once the session passed
        # a second factor. Users loaded any other way (an API token's user) do not have it.
        def is_verified(self) -> bool: ...

    def __str__(self) -> str:
        return self.username

    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role == self.Role.ADMINISTRATOR

    @property
    def is_administrator(self) -> bool:
        return self.role == self.Role.ADMINISTRATOR

    @property
    def is_coordinator(self) -> bool:
        return self.role == self.Role.COORDINATOR

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_staff and perm.split(".", 1)[0] in ADMINISTERED_APPS

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff and app_label in ADMINISTERED_APPS

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "supportdesk.accounts.User.session_auth_hash"
        return salted_hmac(
            key_salt, self.password + self.security_stamp, secret=secret, algorithm="sha256"
        ).hexdigest()


class Team(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members: models.ManyToManyField[User, Membership] = models.ManyToManyField(
        User, through="Membership", related_name="teams"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class TOTPDevice(ThrottlingMixin, Device):
    """An authenticator app. Each time step is accepted once.

    The secret is encrypted by the vault under its user's data key. django-otp gives devices an
    integer id, known only after the insert, so `vault_id` is the UUID the secret is bound to."""

    vault_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    secret = EncryptedBinaryField(editable=False)
    # The last accepted time step: a code is refused unless its step is later (no replay).
    last_t = models.BigIntegerField(default=-1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Vault:
        key_holder = "user"
        row_id = "vault_id"

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: object) -> bool:
        return totp_verify(device=self, token=str(token))


class BackupCodeDevice(ThrottlingMixin, Device):
    """Single-use recovery codes, stored as SHA-256 hashes (each code carries 80 random bits)."""

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: object) -> bool:
        return backup_code_verify(device=self, token=str(token))


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "code_hash"], name="backupcode_unique_device_hash"
            )
        ]

    def __str__(self) -> str:
        return f"Backup code {self.pk}"


class ApiToken(models.Model):
    """An opaque bearer token for API clients. Only its SHA-256 hash is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_revoked")]

    def __str__(self) -> str:
        return f"API token {self.id}"


# --- Checking codes -----------------------------------------------------------------------------
# Callers hold the device row locked (`select_for_update`) so two requests with the same code
# cannot both pass: the second sees the advanced `last_t` (TOTP) or the `used_at` stamp (backup).


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
