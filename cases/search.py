"""Finding a case from what a caller gives: a phone number in any format, a messaging handle, an
alias, a case reference or a CDM code.

Everything personal is found through blind indexes (supportdesk.vault): the query is normalised
the way each index was computed and compared as an HMAC, so no case is decrypted to search and
nothing is found by a part of a value. Aliases are matched whole (case, spacing and Zawgyi
spelling aside): an index of parts of aliases would tell someone holding the database which
cases share a word. Only cases of the user's teams are searched; outside them nothing is found,
which reads exactly like "no match".

`cases_search` is what pages and the API call: it applies the rate limit, searches and records
the search (that it happened and how many cases it found, never what was typed).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.audit_actions import CaseActions
from cases.models import REF_LENGTH, Case, CdmRequest, ContactChannel, FamilyMember
from cases.selectors import cases_for_user
from supportdesk.accounts.models import User
from supportdesk.audit.services import audit_record, audit_record_list_view
from supportdesk.errors import TooManyAttempts
from supportdesk.vault.normalise import normalise_alias, normalise_handle, normalise_phone

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

QUERY_MAX_LENGTH = 200
RESULTS_MAX = 20
_HEX = frozenset("0123456789abcdef")


class Match:
    """What a result was found by: the kinds, never the values."""

    REFERENCE = "reference"
    PHONE = "phone"
    FAMILY_PHONE = "family_phone"
    HANDLE = "handle"
    ALIAS = "alias"
    CDM_CODE = "cdm_code"


MATCH_LABELS: dict[str, StrOrPromise] = {
    Match.REFERENCE: _("Case reference"),
    Match.PHONE: _("Phone number"),
    Match.FAMILY_PHONE: _("A relative's phone number"),
    Match.HANDLE: _("Messaging name"),
    Match.ALIAS: _("Alias"),
    Match.CDM_CODE: _("CDM code"),
}
# The order results show what they matched in: the surest first.
MATCH_ORDER = list(MATCH_LABELS)


@dataclass(frozen=True)
class SearchHit:
    case: Case
    matched: tuple[str, ...]  # Match kinds, in MATCH_ORDER

    @property
    def matched_labels(self) -> list[StrOrPromise]:
        return [MATCH_LABELS[kind] for kind in self.matched]


class SearchTooOften(TooManyAttempts):
    default_message = _("Too many searches in a short time. Wait a few minutes and try again.")


def _reference(query: str) -> str | None:
    """The 8 hex digits of a case reference (3F2A 9C01, 3f2a9c01), or None."""
    compact = "".join(query.split()).lower()
    if len(compact) == REF_LENGTH and set(compact) <= _HEX:
        return compact
    return None


def _phone(query: str) -> str | None:
    try:
        return normalise_phone(query)
    except ValidationError:
        return None  # not a phone number (or one with an extension): searched as the rest


def _ids(records: QuerySet, column: str = "case_id") -> Iterable[uuid.UUID]:
    return records.values_list(column, flat=True)[: RESULTS_MAX * 5]


def _matching_ids(cases: QuerySet[Case], query: str) -> dict[uuid.UUID, set[str]]:
    """Case ids in `cases` (the reader's scope) matching the query, with what each matched. One
    indexed query per kind the query can be."""
    found: dict[uuid.UUID, set[str]] = {}

    def add(ids: Iterable[uuid.UUID], kind: str) -> None:
        for case_id in ids:
            found.setdefault(case_id, set()).add(kind)

    live = {"case__in": cases}
    ref = _reference(query)
    if ref is not None:
        # A range on the primary key (its index), not a text search over every id.
        low, high = uuid.UUID(ref + "0" * 24), uuid.UUID(ref + "f" * 24)
        add(_ids(cases.filter(id__gte=low, id__lte=high), "id"), Match.REFERENCE)
    phone = _phone(query)
    if phone is not None:
        add(_ids(ContactChannel.objects.filter_blind(phone=phone).filter(**live)), Match.PHONE)
        relatives = FamilyMember.objects.filter_blind(phone=phone).filter(**live)
        add(_ids(relatives), Match.FAMILY_PHONE)
    if normalise_handle(query):
        add(_ids(ContactChannel.objects.filter_blind(handle=query).filter(**live)), Match.HANDLE)
        add(_ids(CdmRequest.objects.filter_blind(code=query).filter(**live)), Match.CDM_CODE)
    if normalise_alias(query):
        aliases = Case.objects.filter_blind(alias=query).filter(pk__in=cases.values("pk"))
        add(_ids(aliases, "id"), Match.ALIAS)
    return found


def case_search(*, user: User, query: str) -> list[SearchHit]:
    """Cases of the user's teams (shredded ones aside) that the query finds, most at risk first,
    at most RESULTS_MAX. Reads no encrypted value."""
    query = query.strip()[:QUERY_MAX_LENGTH]
    if not query:
        return []
    cases = cases_for_user(user=user).filter(shredded_at__isnull=True)
    found = _matching_ids(cases, query)
    if not found:
        return []
    rows = cases.filter(id__in=list(found)).select_related("team").order_by("-risk", "-created_at")
    return [
        SearchHit(case=case, matched=tuple(k for k in MATCH_ORDER if k in found[case.pk]))
        for case in rows[:RESULTS_MAX]
    ]


def _search_allowed(user: User) -> None:
    """A fixed window per user: enough for a volunteer trying a caller's number in a few
    formats, far too few to walk through phone numbers or references."""
    key = f"case-search:{user.pk}"
    window = settings.CASE_SEARCH_WINDOW_SECONDS
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count > settings.CASE_SEARCH_LIMIT:
        raise SearchTooOften(retry_after=window)


def cases_search(*, actor: User, query: str) -> list[SearchHit]:
    """Search as `actor` (rate-limited), and record it: one `case.search` event naming how many
    cases were found (never the query), and a list view of each case shown (its alias)."""
    _search_allowed(actor)
    hits = case_search(user=actor, query=query)
    audit_record(actor=actor, action=CaseActions.SEARCH, fields=[f"results:{len(hits)}"])
    audit_record_list_view(
        actor=actor,
        objects=[hit.case for hit in hits],
        fields=["alias"],
        action=CaseActions.LIST_VIEW,
    )
    return hits
