"""Demo team and accounts for a local run, with their authenticator secrets, and the invented
cases, safe houses and funds the apps add (supportdesk.accounts.demo). Safe to run again."""

import io
from typing import Any

import segno
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from supportdesk.accounts import services
from supportdesk.accounts.demo import Demo, demo_steps
from supportdesk.accounts.models import Team, TOTPDevice, User
from supportdesk.accounts.otp import totp_uri

DEMO_TEAM = "Demo relocation team"
DEMO_ACCOUNTS = [
    ("volunteer", User.Role.VOLUNTEER, "demo-volunteer-pass"),
    ("coordinator", User.Role.COORDINATOR, "demo-coordinator-pass"),
    ("admin", User.Role.ADMINISTRATOR, "demo-admin-pass"),
]


class Command(BaseCommand):
    help = (
        "Create (once) a demo team with a volunteer, a coordinator and an administrator, and "
        "invented cases, safe houses and funds to show on every page."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo accounts have well-known passwords: not in production.")
        with transaction.atomic():
            team, _ = Team.objects.get_or_create(name=DEMO_TEAM)
            accounts = [self._account(team, *spec) for spec in DEMO_ACCOUNTS]
        self._records(Demo(team, *(user for user, _password, _device in accounts)))
        self.stdout.write(
            self.style.SUCCESS(f"\nsupportdesk is at {settings.SUPPORTDESK_BASE_URL}/")
        )
        self.stdout.write(
            "Add each account's secret to an authenticator app (Aegis, FreeOTP, "
            "Google Authenticator): scan the QR code or paste the otpauth:// URI.\n"
        )
        for user, password, device in accounts:
            uri = totp_uri(username=user.username, secret=bytes(device.secret))
            self.stdout.write(
                f"  {user.get_role_display():<14} username: {user.username:<12} "
                f"password: {password}"
            )
            self.stdout.write(f"  {uri}")
            qr = io.StringIO()
            segno.make(uri, error="l").terminal(out=qr, compact=True)
            self.stdout.write(qr.getvalue(), ending="")
        self.stdout.write("")

    def _records(self, demo: Demo) -> None:
        """Each app's invented records, each step in its own transaction (a step that finds its
        records already there adds nothing)."""
        autodiscover_modules("demo")
        for step in demo_steps():
            with transaction.atomic():
                added = step.build(demo)
            if added:
                self.stdout.write(f"Demo {step.name}: {added}")

    def _account(self, team: Team, username: str, role: str, password: str) -> tuple:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(
                actor=None,
                username=username,
                password=password,
                role=role,
                display_name=f"Demo {username}",
            )
        if role != User.Role.ADMINISTRATOR:
            services.team_add_member(actor=None, team=team, user=user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = services.totp_enrol_pending(user=user)
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        return user, password, device
