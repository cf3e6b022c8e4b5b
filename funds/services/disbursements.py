"""Disbursements: money for a case, requested by its team, approved by coordinators who did not
ask for it (two above the threshold), reserved on approval, paid, confirmed and reconciled
(funds.workflows.DISBURSEMENT). Every writer locks the case, then the request, then the accounts
(funds.services.ledger), in that order."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent
from cases.services.common import coordinators_of, require_member, timeline_event
from cases.services.lifecycle import case_locked
from funds import rules
from funds.audit_actions import DisbursementActions
from funds.models import Account, Approval, Disbursement, Transfer
from funds.money import MONEY, format_amount
from funds.services import ledger
from funds.workflows import DISBURSEMENT, DisbursementRefused
from supportdesk.accounts.models import User
from supportdesk.accounts.scope import is_coordinator_of
from supportdesk.audit.services import change_record
from supportdesk.errors import ApplicationError
from supportdesk.followups.models import FollowUp
from supportdesk.followups.services import followup_cancel, followup_notify, followup_schedule
from supportdesk.messages import Formatted, Message
from supportdesk.vault.normalise import normalise_text

D = Disbursement.State


def _text(raw: str) -> str:
    return normalise_text(raw or "").value


def _shown(disbursement: Disbursement) -> Formatted:
    """The amount in a stored sentence, written for each reader (lakhs in Burmese)."""
    return Formatted(MONEY, [disbursement.amount, disbursement.currency])


def _recorded(
    *,
    actor: User | None,
    disbursement: Disbursement,
    action: str,
    fields: list[str],
    message: Message,
    text: str = "",
) -> None:
    change_record(
        actor=actor,
        action=action,
        obj=disbursement,
        fields=fields,
        timeline=[
            timeline_event(
                case=disbursement.case,
                kind=CaseEvent.Kind.DISBURSEMENT,
                actor=actor,
                message=message,
                text=text,
            )
        ],
    )


def _locked(disbursement: Disbursement) -> Disbursement:
    """The case, then the request, locked: twenty coordinators may press approve at once."""
    case = case_locked(disbursement.case)
    locked = Disbursement.objects.select_for_update().get(pk=disbursement.pk)
    locked.case = case
    return locked


class NotVerified(DisbursementRefused):
    default_message = gettext_lazy(
        "Only a verified case may receive more than %(threshold)s at once. Verify the case first, "
        "or ask for less."
    )


def _require_verified_above_threshold(case: Case, amount: int, currency: str) -> None:
    threshold = rules.threshold_minor(currency)
    if amount > threshold and case.verification != Case.Verification.VERIFIED:
        raise NotVerified(
            str(NotVerified.default_message)
            % {"threshold": format_amount(threshold, currency, language=get_language() or "en")}
        )


@transaction.atomic
def disbursement_request(
    *,
    actor: User,
    case: Case,
    fund: Account,
    purpose: str,
    amount: int,
    justification: str,
    disbursement_id: uuid.UUID | None = None,
) -> Disbursement:
    require_member(actor, case.team)
    case = case_locked(case)
    if fund.team_id != case.team_id or fund.kind != Account.Kind.FUND:
        raise ApplicationError(_("Choose one of your team's funds."))
    _require_verified_above_threshold(case, amount, fund.currency)
    disbursement = Disbursement.objects.create(
        id=disbursement_id or uuid.uuid4(),
        case=case,
        fund=fund,
        purpose=purpose,
        amount=amount,
        currency=fund.currency,
        justification=_text(justification),
        approvals_required=rules.approvals_required(amount, fund.currency),
        requested_by=actor,
    )
    _recorded(
        actor=actor,
        disbursement=disbursement,
        action=DisbursementActions.REQUEST,
        fields=["amount", "purpose", "justification"],
        message=Message(
            gettext_lazy("%(amount)s was requested for %(purpose)s."),
            amount=_shown(disbursement),
            purpose=Disbursement.Purpose(purpose).label,
        ),
    )
    followup_schedule(
        kind=rules.APPROVAL_PENDING,
        subject=disbursement,
        due_at=rules.approval_reminder_at(timezone.now()),
    )
    return disbursement


@transaction.atomic
def disbursement_approve(*, actor: User, disbursement: Disbursement) -> Disbursement:
    """One coordinator's approval; the last one needed reserves the money."""
    require_member(actor, disbursement.case.team)
    disbursement = _locked(disbursement)
    case = disbursement.case
    move = DISBURSEMENT.check(user=actor, team=case.team, state=disbursement.state, name="approve")
    if actor.pk == disbursement.requested_by_id:
        raise DisbursementRefused(
            _("You asked for this money: another coordinator must approve it.")
        )
    if Approval.objects.filter(disbursement=disbursement, coordinator=actor).exists():
        raise DisbursementRefused(
            _("You approved this already: a second, different coordinator must approve it too.")
        )
    _require_verified_above_threshold(case, disbursement.amount, disbursement.currency)
    Approval.objects.create(disbursement=disbursement, coordinator=actor)
    votes = Approval.objects.filter(disbursement=disbursement).count()
    if votes < disbursement.approvals_required:
        _recorded(
            actor=actor,
            disbursement=disbursement,
            action=DisbursementActions.APPROVE,
            fields=["approvals"],
            message=Message(
                gettext_lazy(
                    "The request for %(amount)s was approved by one coordinator; it needs a second."
                ),
                amount=_shown(disbursement),
            ),
        )
        return disbursement
    fund = Account.objects.get(pk=disbursement.fund_id)
    aid = ledger.counterpart(team=fund.team_id, currency=fund.currency, kind=Account.Kind.AID)
    disbursement.reservation = ledger.transfer_create(
        debit=fund,
        credit=aid,
        amount=disbursement.amount,
        purpose="disbursement",
        actor=actor,
        pending=True,
    )
    now = timezone.now()
    disbursement.state, disbursement.decided_by, disbursement.approved_at = move.target, actor, now
    disbursement.save()
    _recorded(
        actor=actor,
        disbursement=disbursement,
        action=DisbursementActions.APPROVE,
        fields=["state", "approvals"],
        message=Message(
            gettext_lazy("The request for %(amount)s was approved; the money is set aside."),
            amount=_shown(disbursement),
        ),
    )
    followup_cancel(subject=disbursement, kind=rules.APPROVAL_PENDING)
    requester = [u for u in [disbursement.requested_by] if u is not None]
    followup_schedule(
        kind=rules.UNPAID,
        subject=disbursement,
        due_at=rules.unpaid_reminder_at(now),
        users=requester,
    )
    followup_schedule(kind=rules.EXPIRY, subject=disbursement, due_at=rules.expiry_at(now))
    return disbursement


@transaction.atomic
def disbursement_reject(*, actor: User, disbursement: Disbursement, reason: str) -> Disbursement:
    require_member(actor, disbursement.case.team)
    disbursement = _locked(disbursement)
    move = DISBURSEMENT.check(
        user=actor, team=disbursement.case.team, state=disbursement.state, name="reject"
    )
    if actor.pk == disbursement.requested_by_id:
        raise DisbursementRefused(_("You asked for this money: another coordinator decides."))
    if not reason.strip():
        raise ApplicationError(_("Say why the request is rejected."))
    disbursement.state, disbursement.decided_by = move.target, actor
    disbursement.decision_reason = _text(reason)
    disbursement.save()
    _recorded(
        actor=actor,
        disbursement=disbursement,
        action=DisbursementActions.REJECT,
        fields=["state", "decision_reason"],
        text=reason,
        message=Message(
            gettext_lazy("The request for %(amount)s was rejected."), amount=_shown(disbursement)
        ),
    )
    followup_cancel(subject=disbursement)
    return disbursement


def _release(*, actor: User | None, disbursement: Disbursement) -> None:
    if disbursement.reservation is not None:
        ledger.transfer_resolve(pending=disbursement.reservation, post=False, actor=actor)


@transaction.atomic
def disbursement_withdraw(*, actor: User, disbursement: Disbursement) -> Disbursement:
    """The requester (or a coordinator) calls it off; an approved request releases its money."""
    require_member(actor, disbursement.case.team)
    disbursement = _locked(disbursement)
    team = disbursement.case.team
    move = DISBURSEMENT.check(user=actor, team=team, state=disbursement.state, name="withdraw")
    if actor.pk != disbursement.requested_by_id and not is_coordinator_of(actor, team):
        raise DisbursementRefused(
            _("Only the person who asked, or a coordinator, can withdraw it.")
        )
    _release(actor=actor, disbursement=disbursement)
    disbursement.state = move.target
    disbursement.save()
    _recorded(
        actor=actor,
        disbursement=disbursement,
        action=DisbursementActions.WITHDRAW,
        fields=["state"],
        message=Message(
            gettext_lazy("The request for %(amount)s was withdrawn."), amount=_shown(disbursement)
        ),
    )
    followup_cancel(subject=disbursement)
    return disbursement


@transaction.atomic
def disbursement_pay(
    *,
    actor: User,
    disbursement: Disbursement,
    method: str,
    reference: str = "",
    paid_at: datetime | None = None,
) -> Disbursement:
    """The money was handed over: the reservation is posted (it leaves the fund)."""
    require_member(actor, disbursement.case.team)
    disbursement = _locked(disbursement)
    move = DISBURSEMENT.check(
        user=actor, team=disbursement.case.team, state=disbursement.state, name="pay"
    )
    assert disbursement.reservation is not None  # noqa: S101 - approved requests hold one
    ledger.transfer_resolve(pending=disbursement.reservation, post=True, actor=actor)
    disbursement.state, disbursement.paid_by = move.target, actor
    disbursement.paid_at = paid_at or timezone.now()
    disbursement.payment_method, disbursement.payment_reference = method, _text(reference)
    disbursement.save()
    _recorded(
        actor=actor,
        disbursement=disbursement,
        action=DisbursementActions.PAY,
        fields=["state", "payment_method", "payment_reference", "paid_at"],
        message=Message(
            gettext_lazy("%(amount)s was paid (%(method)s)."),
            amount=_shown(disbursement),
            method=Disbursement.Method(method).label,
        ),
    )
    followup_cancel(subject=disbursement)
    requester = [u for u in [disbursement.requested_by] if u is not None]
    followup_schedule(
        kind=rules.UNCONFIRMED,
        subject=disbursement,
        due_at=rules.unconfirmed_reminder_at(timezone.now()),
        users=requester,
    )
    return disbursement


@transaction.atomic
def disbursement_confirm(*, actor: User, disbursement: Disbursement, by: str) -> Disbursement:
    require_member(actor, disbursement.case.team)
    disbursement = _locked(disbursement)
    move = DISBURSEMENT.check(
        user=actor, team=disbursement.case.team, state=disbursement.state, name="confirm"
    )
    disbursement.state, disbursement.confirmed_by = move.target, by
    disbursement.confirmed_at = timezone.now()
    disbursement.save()
    _recorded(
        actor=actor,
        disbursement=disbursement,
        action=DisbursementActions.CONFIRM,
        fields=["state", "confirmed_by"],
        message=Message(
            gettext_lazy("Receipt of %(amount)s was confirmed by %(by)s."),
            amount=_shown(disbursement),
            by=Disbursement.ConfirmedBy(by).label,
        ),
    )
    followup_cancel(subject=disbursement)
    return disbursement


@transaction.atomic
def disbursement_reconcile(*, actor: User, disbursement: Disbursement) -> Disbursement:
    require_member(actor, disbursement.case.team)
    disbursement = _locked(disbursement)
    move = DISBURSEMENT.check(
        user=actor, team=disbursement.case.team, state=disbursement.state, name="reconcile"
    )
    if actor.pk == disbursement.paid_by_id:
        raise DisbursementRefused(_("You paid this money: another coordinator reconciles it."))
    disbursement.state, disbursement.reconciled_by = move.target, actor
    disbursement.reconciled_at = timezone.now()
    disbursement.save()
    _recorded(
        actor=actor,
        disbursement=disbursement,
        action=DisbursementActions.RECONCILE,
        fields=["state"],
        message=Message(
            gettext_lazy("The payment of %(amount)s was reconciled."), amount=_shown(disbursement)
        ),
    )
    return disbursement


@transaction.atomic
def disbursement_reverse(
    *, actor: User, disbursement: Disbursement, transfer: Transfer, reason: str
) -> Transfer:
    """A payment corrected: its transfer is reversed (the money is back in the fund) and the
    request is `reversed`, with when, by whom and why, on the case's timeline like its other
    steps. Called by funds.services.corrections.transfer_reverse; locks the case, then the request,
    then the transfer and the accounts."""
    require_member(actor, disbursement.case.team)
    disbursement = _locked(disbursement)
    move = DISBURSEMENT.check(
        user=actor, team=disbursement.case.team, state=disbursement.state, name="reverse"
    )
    if not (reason or "").strip():
        raise ApplicationError(_("Say why this transfer is corrected."))
    reversal = ledger.reversal_write(actor=actor, transfer=transfer)
    disbursement.state, disbursement.reversed_by = move.target, actor
    disbursement.reversed_at = reversal.created_at or timezone.now()
    disbursement.reversal_reason = _text(reason)
    disbursement.save()
    _recorded(
        actor=actor,
        disbursement=disbursement,
        action=DisbursementActions.REVERSE,
        fields=["state", "reversal_reason"],
        text=reason,
        message=Message(
            gettext_lazy("The payment of %(amount)s was reversed; the money is back in the fund."),
            amount=_shown(disbursement),
        ),
    )
    followup_cancel(subject=disbursement)
    return reversal


# --- Follow-up handlers (registered in FundsConfig.ready) ---------------------------------------


def _remind(
    followup: FollowUp,
    *,
    state: str,
    sentence: Promise,
    users: Callable[[Disbursement], Iterable[User]] | None = None,
) -> None:
    """Remind of a request still waiting in `state` (none once it has moved on); the sentence
    names the case (`ref`) and the amount. `users` defaults to the follow-up's own."""
    disbursement = (
        Disbursement.objects.select_related("case__team")
        .filter(pk=followup.subject_id, state=state)
        .first()
    )
    if disbursement is None:
        return
    followup_notify(
        followup=followup,
        users=None if users is None else users(disbursement),
        message=Message(sentence, ref=disbursement.case.ref, amount=_shown(disbursement)),
        link=f"/cases/{disbursement.case_id}/",
    )


def _approvers(disbursement: Disbursement) -> Iterable[User]:
    # Never the requester: they cannot approve their own request.
    return coordinators_of([disbursement.case.team]).exclude(
        pk__in=[disbursement.requested_by_id] if disbursement.requested_by_id else []
    )


def approval_pending_remind(followup: FollowUp) -> None:
    _remind(
        followup,
        state=D.REQUESTED,
        sentence=gettext_lazy(
            "Case %(ref)s: a request for %(amount)s is waiting for your approval."
        ),
        users=_approvers,
    )


def unpaid_remind(followup: FollowUp) -> None:
    _remind(
        followup,
        state=D.APPROVED,
        sentence=gettext_lazy("Case %(ref)s: %(amount)s was approved but is not paid yet."),
    )


def unconfirmed_remind(followup: FollowUp) -> None:
    _remind(
        followup,
        state=D.PAID,
        sentence=gettext_lazy("Case %(ref)s: confirm that the %(amount)s paid was received."),
    )


@transaction.atomic
def disbursement_expire(*, disbursement_id: object) -> bool:
    """Approved and still unpaid at its deadline: the approval lapses and the money is free."""
    found = Disbursement.objects.filter(pk=disbursement_id).first()
    if found is None:
        return False
    disbursement = _locked(found)
    if not DISBURSEMENT.allows(disbursement.state, "expire"):
        return False  # paid or withdrawn meanwhile
    _release(actor=None, disbursement=disbursement)
    disbursement.state = D.EXPIRED
    disbursement.save()
    _recorded(
        actor=None,
        disbursement=disbursement,
        action=DisbursementActions.EXPIRE,
        fields=["state"],
        message=Message(
            gettext_lazy("The approval of %(amount)s expired unpaid; the money is free again."),
            amount=_shown(disbursement),
        ),
    )
    followup_cancel(subject=disbursement, kind=rules.UNPAID)
    return True


def expiry_run(followup: FollowUp) -> None:
    disbursement_expire(disbursement_id=followup.subject_pk)
