"""Login pages: password, then a second factor (or enrolment on first login); account security."""

from __future__ import annotations

import time
from urllib.parse import urlencode
from uuid import UUID

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from supportdesk.accounts import services
from supportdesk.accounts.access import AuthenticatedRequest, password_stage, public
from supportdesk.accounts.forms import CodeForm, EnrolCodeForm, LoginForm, PasswordChangeForm
from supportdesk.accounts.home import home_panels
from supportdesk.accounts.middleware import SESSION_AUTH_AT
from supportdesk.accounts.models import User
from supportdesk.accounts.otp import manual_key, totp_uri
from supportdesk.accounts.selectors import (
    teams_for_user,
    user_get_revocable,
    users_revocable_by,
)
from supportdesk.request_context import current_ip

# The same for unknown users: which usernames exist stays secret.
WRONG_LOGIN = gettext_lazy("Username or password is not right.")


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request: HttpRequest) -> HttpResponseRedirect:
    url = reverse(name)
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        url = f"{url}?{urlencode({'next': nxt})}"
    return HttpResponseRedirect(url)


@public
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username, password = form.cleaned_data["username"], form.cleaned_data["password"]
        try:
            services.login_throttle_check(username=username, ip=current_ip())
        except services.AccountLocked as locked:
            form.add_error(None, str(locked.message))
            status = 429
        else:
            user = authenticate(request, username=username, password=password)
            if user is None:
                services.login_password_failed(username=username, ip=current_ip())
                form.add_error(None, WRONG_LOGIN)
                status = 400
            else:
                auth_login(request, user)  # a new session id
                request.session[SESSION_AUTH_AT] = time.time()
                step = (
                    "accounts:otp" if services.user_has_confirmed_totp(user) else "accounts:enrol"
                )
                return _with_next(step, request)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=status,
    )


@password_stage
@require_http_methods(["GET", "POST"])
def otp_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not services.user_has_confirmed_totp(user):
        return _with_next("accounts:enrol", request)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = services.otp_verify(
                user=user, token=form.cleaned_data["code"], ip=current_ip()
            )
        except services.AccountLocked as locked:
            form.add_error(None, str(locked.message))
            status = 429
        else:
            if device is not None:
                request.session.cycle_key()
                otp_login(request, device)
                return redirect(_next_url(request))
            form.add_error(
                "code",
                _(
                    "That code is not right. Codes change every 30 seconds: "
                    "check that your phone's clock is correct."
                ),
            )
            status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/otp.html", {"form": form}, status=status)


@password_stage
@require_http_methods(["GET", "POST"])
def enrol_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not user.is_verified() and services.user_has_confirmed_totp(user):
        # A password alone must never replace an authenticator.
        return _with_next("accounts:otp", request)
    device = services.totp_enrol_pending(user=user)
    form = EnrolCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.totp_enrol_confirm(
                user=user, token=form.cleaned_data["code"], ip=current_ip()
            )
        except services.AccountLocked as locked:
            form.add_error(None, str(locked.message))
            status = 429
        else:
            if enrolment is not None:
                user.refresh_from_db()
                request.session.cycle_key()
                update_session_auth_hash(request, user)
                otp_login(request, enrolment.device)
                # Shown once, in this response only: never stored in the session or a redirect.
                return render(
                    request,
                    "accounts/backup_codes.html",
                    {"codes": enrolment.backup_codes, "next": _next_url(request)},
                )
            form.add_error(
                "code",
                _(
                    "That code is not right. Scan the QR code again and enter "
                    "the 6-digit code your app shows now."
                ),
            )
            status = 400
    elif request.method == "POST":
        status = 400
    uri = totp_uri(username=user.username, secret=bytes(device.secret))
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "qr_svg": segno.make(uri, error="m").svg_inline(scale=5, omitsize=True),
            "manual_key": manual_key(bytes(device.secret)),
            "changing": services.user_has_confirmed_totp(user),
        },
        status=status,
    )


@password_stage
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "accounts/logout.html")


@require_http_methods(["GET"])
def home_view(request: AuthenticatedRequest) -> HttpResponse:
    """What waits for this person: each app's panels (supportdesk.accounts.home)."""
    panels = [
        (panel, render_to_string(panel.template, panel.context, request) if panel.template else "")
        for panel in home_panels(request.user)
    ]
    context = {"teams": teams_for_user(user=request.user), "panels": panels}
    return render(request, "home.html", context)


@require_http_methods(["GET", "POST"])
def security_view(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    form = PasswordChangeForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.password_change(user=user, new_password=form.cleaned_data["new_password"])
            user.refresh_from_db()
            update_session_auth_hash(request, user)
            messages.success(request, _("Password changed. Your other sessions have ended."))
            return redirect("accounts:security")
        status = 400
    return render(
        request,
        "accounts/security.html",
        {
            "form": form,
            "backup_codes_remaining": services.backup_codes_remaining(user=user),
        },
        status=status,
    )


@require_POST
def backup_codes_view(request: AuthenticatedRequest) -> HttpResponse:
    codes = services.backup_codes_regenerate(user=request.user)
    return render(
        request,
        "accounts/backup_codes.html",
        {"codes": codes, "next": reverse("accounts:security")},
    )


@require_http_methods(["GET"])
def people_view(request: AuthenticatedRequest) -> HttpResponse:
    people = users_revocable_by(actor=request.user).prefetch_related("teams")
    return render(request, "accounts/people.html", {"people": people})


@require_http_methods(["GET", "POST"])
def revoke_all_view(request: AuthenticatedRequest, user_id: UUID) -> HttpResponse:
    target: User = user_get_revocable(actor=request.user, user_id=user_id)
    if request.method == "GET":
        return render(request, "accounts/revoke_all.html", {"target": target})
    services.user_revoke_all(actor=request.user, user=target)
    if target.pk == request.user.pk:
        logout(request)
        return redirect(settings.LOGIN_URL)
    messages.success(request, _("All access for %(name)s has ended.") % {"name": target.username})
    return redirect("accounts:people")
