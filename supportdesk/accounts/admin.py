"""Administrators manage accounts and teams here. Every change is written to the audit log."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from supportdesk.accounts.models import Membership, Team, User
from supportdesk.accounts.services import user_revoke_all
from supportdesk.audit.actions import require_declared
from supportdesk.audit.services import audit_record


def _admin_user(request: HttpRequest) -> User:
    # The admin's signatures take a plain HttpRequest; its site lets only active staff in (behind
    # the middleware's verified login), so the user is never anonymous here.
    return cast(User, request.user)


def admin_action(obj: Any, verb: str) -> str:
    """`user.update` for a user changed on the admin pages (declared in AccountActions)."""
    return require_declared(f"{obj._meta.model_name}.{verb}")


class AuditedAdminMixin:
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            verb = "update" if change else "create"
            audit_record(
                actor=_admin_user(request),
                action=admin_action(obj, verb),
                obj=obj,
                fields=form.changed_data,
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_record(actor=_admin_user(request), action=admin_action(obj, "delete"), obj=obj)
            super().delete_model(request, obj)  # type: ignore[misc]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class UserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):  # type: ignore[name-defined]  # stubs omit forms' Meta
        model = User
        fields = ("username", "role")


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):  # type: ignore[name-defined]  # stubs omit forms' Meta
        model = User
        fields = ("username", "display_name", "email", "role", "is_active")


@admin.action(description="Revoke all access (sessions, tokens, authenticator, password)")
def revoke_all_access(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]
) -> None:
    for user in queryset:
        user_revoke_all(actor=_admin_user(request), user=user)
    messages.success(request, f"Access revoked for {queryset.count()} account(s).")


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("username", "display_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined")
    actions = [revoke_all_access]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Profile", {"fields": ("display_name", "email", "role", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),
    )
    filter_horizontal = ()


@admin.register(Team)
class TeamAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]
