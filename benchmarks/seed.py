"""Synthetic cases for the whole-request benchmark, in bulk, through the vault.

    .venv/bin/python -m benchmarks.seed --cases 10000 [--baseline-url postgres://.../sd_bench_base_10000]

Writes into the database DATABASE_URL names (its name must start `sd_bench`; migrated first):
teams, a volunteer on two of them with an API token, and `--cases` cases with what intake and
case work leave behind: English or Burmese aliases, real names in Burmese, ranks and units,
contacts (phones and messaging handles, with their blind indexes), needs, families with security
flags, timeline events, CDM-code requests (issued ones with a unique code), route plans with legs,
and disbursement requests from each team's fund. Every personal value is sealed by the vault's
own field code (`bulk_create` runs each field's `pre_save`); what is bulk here is the data keys
(one `bulk_create` per batch instead of one INSERT per case) and the rows (one INSERT per model
per batch). Recording times spread over three years.

With `--baseline-url`, the same rows, in plaintext, go by COPY into the baseline's tables
(benchmarks/baseline), same ids, so both servers serve the same cases.

At the end it writes a JSON file (`--out`) with the bench user's token and the ids the load
process uses: visible cases for the detail, cases in hiding for the transitions, a team for
intake, and phones already on record (intake's dedup hits).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BATCH = 500
TEAMS = 8
BENCH_TEAMS = 2  # the bench volunteer is on two of them: a quarter of the cases are in scope

ENGLISH = ["Ko Zaw", "Aung", "Min", "Thura", "Kyaw", "Htet", "Naing", "Soe", "Win", "Tun", "Myo"]
ENGLISH_2 = ["Lin", "Oo", "Aung", "Htoo", "Naing", "Ko", "Thant", "Paing", "Hein", "Zin"]
BURMESE = ["ဇော်", "အောင်", "မင်း", "သူရ", "ကျော်", "ထက်", "နိုင်", "စိုး", "ဝင်း", "ထွန်း", "မျိုး"]
BURMESE_2 = ["လင်း", "ဦး", "ထူး", "သန့်", "ပိုင်", "ဟိန်း", "ဇင်", "မောင်", "ခိုင်", "ညီ"]
RELATIVES = ["ဒေါ်လှ", "မောင်အေး", "ဒေါ်မြ", "ဦးဘ", "မစန္ဒာ", "Daw Hla", "Maung Aye", "Ma Thida"]
RANKS = ["Private", "Lance Corporal", "Corporal", "Sergeant", "Captain", "ဒုတပ်ကြပ်", "တပ်ကြပ်"]
UNITS = ["LIB 123", "LIB 45", "IB 77", "Artillery 302", "Police battalion 9", "ခမရ ၃၃"]
AREAS = ["Near the border crossing, east side", "Mae Sot", "Hpa-An, ward 4", "မြဝတီ", "Loikaw"]
STATUSES = [
    ("new", 10),
    ("verifying", 8),
    ("accepted", 12),
    ("hiding", 20),
    ("in_transit", 8),
    ("safe_area", 10),
    ("resettled", 8),
    ("closed", 10),
    ("in_service", 6),
    ("lost_contact", 4),
    ("detained", 2),
    ("declined", 1),
    ("reopened", 1),
]
NEEDS = ["food", "medical", "cash", "shelter", "documents", "legal", "family_relocation"]
BRANCHES = ["army"] * 6 + ["police"] * 3 + ["navy", "air_force", "other"]
METHODS = ["messaging_app", "social_media", "phone", "in_person", "referral"]
HANDLE_KINDS = ["telegram", "facebook", "other"]
PHONE_KINDS = ["phone", "signal", "whatsapp", "viber"]
RELATIONS = ["spouse", "child", "parent", "sibling", "in_law", "other"]
FLAG_KINDS = ["contacted", "threatened", "detained", "surveillance", "compound", "do_not_contact"]
CDM_STATES = ["draft", "ready", "submitted", "issued", "issued", "rejected"]
PURPOSES = ["food", "medical", "travel", "shelter", "family_support", "documents"]
NOTES = (
    "Left the unit with two others in March. Wife and son still in the compound. ",
    "ညဘက်ထွက်လာတယ်။ မိသားစုက ရန်ကုန်မှာ ကျန်ခဲ့တယ်။ ",
    "Needs a safe place for two weeks; can travel by motorbike. ",
)


@dataclass
class Plan:
    """The plaintext of one batch, the baseline's rows and what the load process needs."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    needs: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    family: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    cdm: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    legs: list[dict[str, Any]] = field(default_factory=list)
    disbursements: list[dict[str, Any]] = field(default_factory=list)


MOBILE_PREFIXES = ("420", "425", "450", "750", "760", "770", "780", "790", "250", "260")


def _phone(rng: random.Random) -> str:
    return f"+959{rng.choice(MOBILE_PREFIXES)}{rng.randrange(100_000, 999_999)}"


def _alias(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(ENGLISH)} {rng.choice(ENGLISH_2)}"
    return rng.choice(BURMESE) + rng.choice(BURMESE_2)


def plan_batch(
    rng: random.Random,
    *,
    count: int,
    first: int,
    teams: list[uuid.UUID],
    now: datetime.datetime,
    span_days: int = 3 * 365,
) -> Plan:
    from cases.rules import risk_for

    plan = Plan()
    statuses, weights = zip(*STATUSES, strict=True)
    for n in range(count):
        case_id = uuid.uuid4()
        status = rng.choices(statuses, weights)[0]
        created = now - datetime.timedelta(days=rng.random() * span_days, microseconds=first + n)
        flags_open: list[tuple[str, int]] = []
        family_rows = []
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            member_id = uuid.uuid4()
            family_rows.append(
                {
                    "id": member_id,
                    "case_id": case_id,
                    "relation": rng.choice(RELATIONS),
                    "name": rng.choice(RELATIVES),
                    "location": rng.choice(AREAS),
                    "phone": _phone(rng) if rng.random() < 0.5 else "",
                    "age_group": rng.choice(["child", "adult", "elder", "unknown"]),
                    "in_military_compound": rng.random() < 0.3,
                    "with_case": rng.random() < 0.2,
                    "created_at": created,
                }
            )
            if rng.random() < 0.2:
                kind, severity = rng.choice(FLAG_KINDS), rng.randint(1, 4)
                resolved = rng.random() < 0.3
                if not resolved:
                    flags_open.append((kind, severity))
                observed = (created + datetime.timedelta(days=rng.randint(0, 30))).date()
                plan.flags.append(
                    {
                        "id": uuid.uuid4(),
                        "family_member_id": member_id,
                        "case_id": case_id,
                        "kind": kind,
                        "severity": severity,
                        "observed_on": observed,
                        "source": "A neighbour told the team",
                        "review_on": observed + datetime.timedelta(days=14),
                        "resolved_at": created + datetime.timedelta(days=40) if resolved else None,
                        "created_at": created,
                    }
                )
        plan.family += family_rows
        plan.cases.append(
            {
                "id": case_id,
                "team_id": teams[rng.randrange(len(teams))],
                "alias": _alias(rng),
                "real_name": rng.choice(BURMESE) + rng.choice(BURMESE_2) + rng.choice(BURMESE),
                "service_branch": rng.choice(BRANCHES),
                "rank": rng.choice(RANKS),
                "unit": rng.choice(UNITS),
                "service_number": f"BA-{rng.randrange(100000, 999999)}",
                "date_left": (created - datetime.timedelta(days=rng.randint(1, 60))).date()
                if status != "in_service"
                else None,
                "still_serving": status == "in_service",
                "current_area": rng.choice(AREAS),
                "contact_method": rng.choice(METHODS),
                "languages": sorted(rng.sample(["my", "en", "kar", "shn"], rng.randint(1, 2))),
                "medical_notes": "Leg wound, healing; needs antibiotics."
                if rng.random() < 0.2
                else "",
                "notes": rng.choice(NOTES) * rng.randint(1, 3),
                "status": status,
                "verification": rng.choice(["unverified", "unverified", "vouched", "verified"]),
                "risk": risk_for(status=status, open_flags=flags_open),
                "created_at": created,
            }
        )
        for need in rng.sample(NEEDS, rng.randint(1, 3)):
            plan.needs.append((case_id, need))
        for kind in rng.sample(["phone", "handle", "phone"], rng.randint(1, 2)):
            if kind == "phone":
                plan.contacts.append(
                    {
                        "id": uuid.uuid4(),
                        "case_id": case_id,
                        "kind": rng.choice(PHONE_KINDS),
                        "phone": _phone(rng),
                        "handle": "",
                    }
                )
            else:
                plan.contacts.append(
                    {
                        "id": uuid.uuid4(),
                        "case_id": case_id,
                        "kind": rng.choice(HANDLE_KINDS),
                        "phone": "",
                        "handle": f"user{first + n}_{rng.randrange(1000)}",
                    }
                )
        events = [("created", "", "new", "")]
        if status != "new":
            events.append(("status", "new", status, ""))
        if rng.random() < 0.5:
            events.append(("note", "", "", rng.choice(NOTES)))
        for position, (kind, before, after, text) in enumerate(events):
            plan.events.append(
                {
                    "id": uuid.uuid4(),
                    "case_id": case_id,
                    "kind": kind,
                    "from_status": before,
                    "to_status": after,
                    "text": text,
                    "created_at": created + datetime.timedelta(hours=position),
                }
            )
        if rng.random() < 0.3:
            state = rng.choice(CDM_STATES)
            plan.cdm.append(
                {
                    "id": uuid.uuid4(),
                    "case_id": case_id,
                    "kind": "pre_cdm" if status == "in_service" else "cdm",
                    "state": state,
                    "code": f"CDM-{first + n:07d}" if state == "issued" else "",
                    "issued_at": created + datetime.timedelta(days=rng.randint(5, 60))
                    if state == "issued"
                    else None,
                    "created_at": created,
                }
            )
        if rng.random() < 0.1:
            plan_id = uuid.uuid4()
            plan.plans.append({"id": plan_id, "case_id": case_id, "created_at": created})
            for position in range(2):
                departure = created + datetime.timedelta(days=3 + position)
                plan.legs.append(
                    {
                        "id": uuid.uuid4(),
                        "plan_id": plan_id,
                        "case_id": case_id,
                        "position": position,
                        "departure": departure,
                        "arrival": departure + datetime.timedelta(hours=6),
                        "transport": rng.choice(["foot", "motorbike", "bus", "boat"]),
                        "created_at": created,
                    }
                )
        if rng.random() < 0.15:
            plan.disbursements.append(
                {
                    "id": uuid.uuid4(),
                    "case_id": case_id,
                    "purpose": rng.choice(PURPOSES),
                    "amount": rng.randrange(20_000, 500_000, 1000),
                    "created_at": created,
                }
            )
    return plan


@contextmanager
def recorded_times() -> Iterator[None]:
    """Let `created_at` be set from the plan, not to now (auto_now_add), while seeding."""
    from cases.models import Case, CaseEvent, CdmRequest, FamilyMember, SecurityFlag
    from funds.models import Disbursement
    from relocation.models import RouteLeg, RoutePlan

    fields = [
        model._meta.get_field("created_at")
        for model in (
            Case,
            CaseEvent,
            CdmRequest,
            FamilyMember,
            SecurityFlag,
            RoutePlan,
            RouteLeg,
            Disbursement,
        )
    ]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


def data_keys_create(case_ids: list[uuid.UUID]) -> None:
    """One data key per case, in one INSERT, put straight into the process's key cache (what
    the vault's `holder_entry` does one case at a time)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from supportdesk.vault import crypto
    from supportdesk.vault.keyring import key_ring
    from supportdesk.vault.models import DataKey

    ring = key_ring()
    keys = [AESGCM.generate_key(bit_length=256) for _ in case_ids]
    rows = DataKey.objects.bulk_create(
        DataKey(
            holder_type="cases.case",
            holder_id=case_id,
            kek_id=ring.active_id,
            wrapped=crypto.wrap(
                key=key, holder_type="cases.case", holder_id=case_id, kek_id=ring.active_id
            ),
        )
        for case_id, key in zip(case_ids, keys, strict=True)
    )
    crypto.key_cache.put_many(
        (("cases.case", row.holder_id), crypto._entry(row.id, AESGCM(key)))
        for row, key in zip(rows, keys, strict=True)
    )


def write_app(plan: Plan, *, user_id: uuid.UUID, funds: dict[uuid.UUID, uuid.UUID]) -> None:
    from django.db import transaction

    from cases.models import (
        Case,
        CaseEvent,
        CaseNeed,
        CdmRequest,
        ContactChannel,
        FamilyMember,
        SecurityFlag,
    )
    from funds.models import Disbursement
    from relocation.models import RouteLeg, RoutePlan

    with transaction.atomic():
        data_keys_create([row["id"] for row in plan.cases])
        cases = Case.objects.bulk_create(Case(created_by_id=user_id, **row) for row in plan.cases)
        by_id = {case.pk: case for case in cases}
        CaseNeed.objects.bulk_create(CaseNeed(case_id=c, need=n) for c, n in plan.needs)
        ContactChannel.objects.bulk_create(
            ContactChannel(
                case=by_id[row["case_id"]], **{k: v for k, v in row.items() if k != "case_id"}
            )
            for row in plan.contacts
        )
        members = FamilyMember.objects.bulk_create(
            FamilyMember(
                case=by_id[row["case_id"]], **{k: v for k, v in row.items() if k != "case_id"}
            )
            for row in plan.family
        )
        members_by_id = {member.pk: member for member in members}
        SecurityFlag.objects.bulk_create(
            SecurityFlag(
                family_member=members_by_id[row["family_member_id"]],
                created_by_id=user_id,
                **{k: v for k, v in row.items() if k not in ("family_member_id", "case_id")},
            )
            for row in plan.flags
        )
        CdmRequest.objects.bulk_create(
            CdmRequest(
                case=by_id[row["case_id"]],
                created_by_id=user_id,
                **{k: v for k, v in row.items() if k != "case_id"},
            )
            for row in plan.cdm
        )
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case=by_id[row["case_id"]],
                actor_id=user_id,
                **{k: v for k, v in row.items() if k != "case_id"},
            )
            for row in plan.events
        )
        RoutePlan.objects.bulk_create(
            RoutePlan(
                id=row["id"],
                case=by_id[row["case_id"]],
                drafted_by_id=user_id,
                notes="Two legs, the second by boat if the river is calm.",
                created_at=row["created_at"],
            )
            for row in plan.plans
        )
        RouteLeg.objects.bulk_create(
            RouteLeg(
                id=row["id"],
                plan_id=row["plan_id"],
                case=by_id[row["case_id"]],
                position=row["position"],
                from_kind="place",
                to_kind="place",
                from_place="Myawaddy bus station",
                to_place="ဘုရားသုံးဆူ",
                transport=row["transport"],
                planned_departure=row["departure"],
                planned_arrival=row["arrival"],
                check_in_interval_minutes=60,
                cover_story="Visiting an aunt",
                created_at=row["created_at"],
            )
            for row in plan.legs
        )
        Disbursement.objects.bulk_create(
            Disbursement(
                id=row["id"],
                case=by_id[row["case_id"]],
                fund_id=funds[by_id[row["case_id"]].team_id],
                purpose=row["purpose"],
                amount=row["amount"],
                currency="MMK",
                justification="Food and medicine for two weeks",
                requested_by_id=user_id,
                created_at=row["created_at"],
            )
            for row in plan.disbursements
        )


def write_baseline(conn: Any, plan: Plan) -> None:
    """The same rows, plaintext, by COPY into benchmarks.baseline's tables."""

    def copy(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out,
        ):
            for row in rows:
                out.write_row(row)

    now = datetime.datetime.now(datetime.UTC)
    case_cols = [
        "id",
        "team_id",
        "alias",
        "real_name",
        "service_branch",
        "rank",
        "unit",
        "service_number",
        "date_left",
        "still_serving",
        "current_area",
        "contact_method",
        "languages",
        "medical_notes",
        "notes",
        "status",
        "verification",
        "risk",
        "created_at",
    ]
    copy(
        "baseline_case",
        [*case_cols, "on_hold", "updated_at"],
        [
            (*(json.dumps(r[c]) if c == "languages" else r[c] for c in case_cols), False, now)
            for r in plan.cases
        ],
    )
    copy("baseline_caseneed", ["case_id", "need"], plan.needs)
    contact_cols = ["id", "case_id", "kind", "phone", "handle"]
    copy(
        "baseline_contact", contact_cols, [tuple(r[c] for c in contact_cols) for r in plan.contacts]
    )
    family_cols = [
        "id",
        "case_id",
        "relation",
        "name",
        "location",
        "phone",
        "age_group",
        "in_military_compound",
        "with_case",
        "created_at",
    ]
    copy(
        "baseline_familymember",
        family_cols,
        [tuple(r[c] for c in family_cols) for r in plan.family],
    )
    flag_cols = [
        "id",
        "family_member_id",
        "kind",
        "severity",
        "observed_on",
        "source",
        "review_on",
        "resolved_at",
        "created_at",
    ]
    copy("baseline_securityflag", flag_cols, [tuple(r[c] for c in flag_cols) for r in plan.flags])
    cdm_cols = ["id", "case_id", "kind", "state", "code", "issued_at", "created_at"]
    copy("baseline_cdmrequest", cdm_cols, [tuple(r[c] for c in cdm_cols) for r in plan.cdm])
    event_cols = ["id", "case_id", "kind", "from_status", "to_status", "text", "created_at"]
    copy("baseline_caseevent", event_cols, [tuple(r[c] for c in event_cols) for r in plan.events])


def base_create(baseline: Any | None) -> dict[str, Any]:
    """Teams, funds, the bench volunteer (on the first BENCH_TEAMS teams) and its token."""
    from django.core.management import call_command

    from funds.models import Account
    from supportdesk.accounts import services
    from supportdesk.accounts.models import Team, User

    call_command("migrate", verbosity=0, interactive=False)
    user = User.objects.create_user("bench", os.urandom(12).hex())
    teams = [Team.objects.create(name=f"Bench team {n + 1}") for n in range(TEAMS)]
    for team in teams[:BENCH_TEAMS]:
        team.memberships.create(user=user)
    funds = {
        team.pk: Account.objects.create(team=team, name="General", currency="MMK").pk
        for team in teams
    }
    token = services.api_token_issue(user=user).token
    if baseline is not None:
        with baseline.cursor() as cursor:
            for team in teams:
                cursor.execute(
                    "INSERT INTO baseline_team (id, name) VALUES (%s, %s)", [team.pk, team.name]
                )
    return {"user": user, "teams": [t.pk for t in teams], "funds": funds, "token": token}


def seed(cases: int, *, baseline_url: str | None, out: Path, seed_value: int = 16) -> dict:
    import psycopg
    from django.db import connection

    rng = random.Random(seed_value)
    baseline = psycopg.connect(baseline_url, autocommit=False) if baseline_url else None
    started = time.perf_counter()
    base = base_create(baseline)
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    visible = set(base["teams"][:BENCH_TEAMS])
    detail_ids: list[str] = []
    hiding_ids: list[str] = []
    phones: list[str] = []
    timings = {"plan": 0.0, "app": 0.0, "baseline": 0.0}
    with recorded_times():
        for first in range(0, cases, BATCH):
            t0 = time.perf_counter()
            plan = plan_batch(
                rng, count=min(BATCH, cases - first), first=first, teams=base["teams"], now=now
            )
            t1 = time.perf_counter()
            write_app(plan, user_id=base["user"].pk, funds=base["funds"])
            t2 = time.perf_counter()
            if baseline is not None:
                write_baseline(baseline, plan)
                baseline.commit()
            t3 = time.perf_counter()
            timings["plan"] += t1 - t0
            timings["app"] += t2 - t1
            timings["baseline"] += t3 - t2
            for row in plan.cases:
                if row["team_id"] in visible:
                    if row["status"] == "hiding" and len(hiding_ids) < 400:
                        hiding_ids.append(str(row["id"]))
                    elif len(detail_ids) < 1000:
                        detail_ids.append(str(row["id"]))
            if len(phones) < 2000:
                phones += [r["phone"] for r in plan.contacts[::50] if r["phone"]]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    if baseline is not None:
        baseline.autocommit = True
        baseline.execute("VACUUM ANALYZE")
        baseline.close()
    seconds = time.perf_counter() - started
    info = {
        "cases": cases,
        "seconds": round(seconds, 1),
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "token": base["token"],
        "intake_team": str(base["teams"][0]),
        "detail_ids": detail_ids,
        "transition_ids": hiding_ids,
        "known_phones": phones,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(info))
    out.chmod(0o600)  # holds a token
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--baseline-url", default=None)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
    django.setup()
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"]
    if not str(name).startswith("sd_bench"):
        raise SystemExit(f"Refusing to seed {name}: the bench database's name starts sd_bench.")
    info = seed(args.cases, baseline_url=args.baseline_url, out=args.out)
    print(
        f"seeded {info['cases']:,} cases in {info['seconds']} s "
        f"(plan {info['timings']['plan']} s, app {info['timings']['app']} s, "
        f"baseline {info['timings']['baseline']} s)"
    )


if __name__ == "__main__":
    main()
