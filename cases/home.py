"""What the home page shows from case work (registered in CasesConfig.ready(); see
supportdesk.accounts.home): the teams' cases most at risk, what waits on the person, and the
coordinators' queues with counts."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.audit_actions import CaseActions
from cases.models import Case, CdmRequest, SecurityFlag
from supportdesk.accounts.home import HomePanel, Item, Panel
from supportdesk.accounts.models import User
from supportdesk.accounts.scope import in_scope
from supportdesk.audit.services import audit_record_list_view

HOME_CASES = 10
CLOSED = (Case.Status.CLOSED, Case.Status.DECLINED)
R = CdmRequest.State


def _cases_link(**filters: str) -> str:
    return f"{reverse('cases:list')}?{urlencode(filters)}"


def _open_cases(user: User) -> list[Case]:
    return list(
        selectors.case_list(user=user)
        .exclude(status__in=CLOSED)
        .exclude(merged_into__isnull=False)[:HOME_CASES]
    )


def cases_by_risk(user: User) -> Panel:
    """The teams' open cases, most at risk first (aliases shown: recorded as a list view)."""
    cases = _open_cases(user)
    audit_record_list_view(
        actor=user, objects=cases, fields=["alias"], action=CaseActions.LIST_VIEW
    )
    return Panel(
        title=_("Your teams' cases, most at risk first"),
        template="cases/_home_cases.html",
        context={"cases": cases},
    )


def _flags_due(user: User) -> int:
    return (
        in_scope(SecurityFlag, user=user, team_path="family_member__case__team")
        .filter(resolved_at__isnull=True, review_on__lte=timezone.localdate())
        .count()
    )


def _requests(user: User, state: str) -> int:
    return in_scope(CdmRequest, user=user, team_path="case__team").filter(state=state).count()


def waiting_on_you(user: User) -> Panel:
    cases = selectors.cases_for_user(user=user).filter(shredded_at__isnull=True)
    to_check = (
        in_scope(CdmRequest, user=user, team_path="case__team")
        .filter(state=R.DRAFT)
        .exclude(created_by=user)
        .count()
    )
    return Panel(
        title=_("Waiting on you"),
        items=[
            Item(
                _("Cases with lost contact"),
                cases.filter(status=Case.Status.LOST_CONTACT).count(),
                _cases_link(status=Case.Status.LOST_CONTACT),
                urgent=True,
            ),
            Item(
                _("Cases of people detained"),
                cases.filter(status=Case.Status.DETAINED).count(),
                _cases_link(status=Case.Status.DETAINED),
                urgent=True,
            ),
            Item(_("Family flags due for a check"), _flags_due(user), reverse("cases:list")),
            Item(_("CDM-code requests to check"), to_check, _cases_link(cdm=R.DRAFT)),
        ],
        empty=_("Nothing is waiting on you."),
    )


def coordinator_queues(user: User) -> Panel:
    cases = selectors.cases_for_user(user=user).filter(shredded_at__isnull=True)
    answer_due = timezone.localdate() - datetime.timedelta(days=settings.CDM_ANSWER_DAYS)
    overdue = (
        in_scope(CdmRequest, user=user, team_path="case__team")
        .filter(state=R.SUBMITTED, submitted_on__lte=answer_due)
        .count()
    )
    return Panel(
        title=_("Queues"),
        items=[
            Item(
                _("New cases"),
                cases.filter(status=Case.Status.NEW).count(),
                _cases_link(status="new"),
            ),
            Item(
                _("To verify (vouched for)"),
                cases.filter(verification=Case.Verification.VOUCHED).count(),
                _cases_link(verification=Case.Verification.VOUCHED),
            ),
            Item(
                _("Possible duplicates"),
                selectors.duplicate_flags_for_user(user=user).count(),
                reverse("cases:duplicates"),
            ),
            Item(
                _("CDM-code requests ready to send"),
                _requests(user, R.READY),
                _cases_link(cdm=R.READY),
            ),
            Item(
                _("CDM-code requests with no answer for too long"),
                overdue,
                _cases_link(cdm=R.SUBMITTED),
                urgent=True,
            ),
        ],
        empty=_("No queue has anything in it."),
    )


PANELS = (
    HomePanel(
        name="cases.waiting",
        roles={User.Role.VOLUNTEER, User.Role.COORDINATOR},
        order=10,
        build=waiting_on_you,
    ),
    HomePanel(
        name="cases.queues", roles={User.Role.COORDINATOR}, order=20, build=coordinator_queues
    ),
    HomePanel(
        name="cases.by_risk",
        roles={User.Role.VOLUNTEER, User.Role.COORDINATOR},
        order=30,
        build=cases_by_risk,
    ),
)
