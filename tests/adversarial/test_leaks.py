"""One journey through the whole product with a unique marker in every personal field, then a
search of everywhere data comes to rest: zero hits.

The journey: intake with contacts, family members and a security flag, a timeline note, vouching
and verification, a CDM code issued and a request rejected, a route plan through a safe house,
check-ins and a missed check-in's escalation, an area marked unsafe and a house compromised, a
donation and a disbursement paid (and one refused), the CDM export, pages, and forced errors (400s
and 404s). The markers come from the vault's field classes (`leakscan.Markers`); a field the
journey does not type into is written through save() and named in the figures, so a new field is
covered the day it is added. Searched: a pg_dump, PostgreSQL's own log (every statement of the
test database logged), every Redis key and value (Celery's messages opened), the logs (SQL with its
parameters included), /tmp and var/.
"""

from __future__ import annotations

import datetime
import json
import logging
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases.models import Case, CaseEvent, CdmRequest, ContactChannel, FamilyMember, SecurityFlag
from funds.models import Disbursement, Donation, Donor
from funds.tests.conftest import give
from funds.tests.factories import FundFactory
from relocation.models import Area, CheckIn, RouteLeg, RoutePlan, SafeHouse, Waypoint
from relocation.services import checkins, houses, plans
from supportdesk.accounts.models import Team, User
from supportdesk.accounts.tests.factories import MembershipFactory
from supportdesk.testing import token_client, verified_client
from supportdesk.vault.fields import encrypted_fields
from tests.adversarial.leakscan import (
    ROOT,
    Markers,
    PostgresLog,
    Scan,
    celery_message_count,
    decrypted_secrets,
    files_under,
    fill_untouched,
    pg_dump,
    postgres_log_file,
    read_files,
    redis_everything,
)

API = "/api/v1"


def ok(answer: Any, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, (answer.status_code, answer.content[:2000])
    return answer.json() if answer.get("Content-Type", "").startswith("application/json") else {}


def intake(m: Markers, volunteer: User, coordinator: User, team: Team) -> str:
    v, c = token_client(volunteer), token_client(coordinator)
    body = {
        f.name: m(Case, f.name)
        for f in encrypted_fields(Case)
        if m.by_field.get(f"cases.Case.{f.name}") and f.name != "languages"
    }
    case = ok(
        v.post(
            f"{API}/cases/",
            {
                **body,
                "team": str(team.pk),
                "service_branch": "army",
                "contact_method": "messaging_app",
                "date_left": "2021-03-01",
                "contacts": [
                    {"kind": "signal", "value": m(ContactChannel, "phone")},
                    {"kind": "telegram", "value": m(ContactChannel, "handle")},
                ],
            },
            format="json",
        ),
        201,
    )
    case_id = case["id"]
    member = ok(
        v.post(
            f"{API}/cases/{case_id}/family/",
            {
                "relation": "spouse",
                "name": m(FamilyMember, "name"),
                "location": m(FamilyMember, "location"),
                "phone": m(FamilyMember, "phone"),
            },
            format="json",
        ),
        201,
    )
    ok(
        v.post(
            f"{API}/family/{member['id']}/flags/",
            {
                "kind": "threatened",
                "severity": 3,
                "observed_on": "2026-11-20",
                "review_on": "2026-11-27",
                "source": m(SecurityFlag, "source"),
            },
            format="json",
        ),
        201,
    )
    ok(
        v.post(f"{API}/cases/{case_id}/timeline/", {"text": m(CaseEvent, "text")}, format="json"),
        201,
    )
    ok(v.post(f"{API}/cases/{case_id}/vouch/", {}))
    ok(c.post(f"{API}/cases/{case_id}/verify/", {}))
    issued = ok(v.post(f"{API}/cases/{case_id}/cdm-requests/", {"kind": "cdm"}), 201)["id"]
    for step, data in (
        ("ready", {}),
        ("submit", {"submitted_on": "2026-11-02", "channel": "email"}),
        ("issue", {"code": m(CdmRequest, "code")}),
    ):
        ok(c.post(f"{API}/cdm-requests/{issued}/{step}/", data))
    refused = ok(v.post(f"{API}/cases/{case_id}/cdm-requests/", {"kind": "cdm"}), 201)["id"]
    for step, data in (
        ("ready", {}),
        ("submit", {"submitted_on": "2026-11-03", "channel": "email"}),
        ("reject", {"reason": m(CdmRequest, "rejection_reason")}),
    ):
        ok(c.post(f"{API}/cdm-requests/{refused}/{step}/", data))
    for to_status in ("verifying", "accepted"):
        ok(c.post(f"{API}/cases/{case_id}/transition/", {"to_status": to_status}, format="json"))
    return str(case_id)


def relocation(
    m: Markers, volunteer: User, coordinator: User, second: User, case: Case
) -> RouteLeg:
    team = case.team
    start = houses.area_create(actor=coordinator, team=team, township="Monywa")
    safe = houses.area_create(actor=coordinator, team=team, township="Liberated")
    unsafe = houses.area_create(actor=coordinator, team=team, township="Sagaing")
    houses.area_mark_unsafe(actor=coordinator, area=unsafe, reason=m(Area, "unsafe_reason"))

    def house(code: str) -> SafeHouse:
        return houses.safe_house_create(
            actor=coordinator,
            team=team,
            code_name=code,
            area=start,
            capacity=4,
            address=m(SafeHouse, "address"),
            contact_name=m(SafeHouse, "contact_name"),
            contact_phone=m(SafeHouse, "contact_phone"),
            notes=m(SafeHouse, "notes"),
        )

    mango, spare = house("Mango"), house("Papaya")
    houses.safe_house_status_set(
        actor=coordinator, house=spare, move="compromise", reason=m(SafeHouse, "compromised_reason")
    )
    plan = plans.route_plan_create(actor=volunteer, case=case, notes=m(RoutePlan, "notes"))
    now = timezone.now()
    for data in (
        plans.LegInput(
            from_kind=Waypoint.PLACE,
            from_area=start,
            from_place=m(RouteLeg, "from_place"),
            to_kind=Waypoint.SAFE_HOUSE,
            to_safe_house=mango,
            transport=RouteLeg.Transport.MOTORBIKE,
            planned_departure=now + datetime.timedelta(hours=1),
            planned_arrival=now + datetime.timedelta(hours=3),
            escorts=[volunteer],
            cover_story=m(RouteLeg, "cover_story"),
            documents_notes=m(RouteLeg, "documents_notes"),
            risk_notes=m(RouteLeg, "risk_notes"),
            check_in_interval_minutes=30,
        ),
        plans.LegInput(
            from_kind=Waypoint.SAFE_HOUSE,
            from_safe_house=mango,
            to_kind=Waypoint.SAFE_AREA,
            to_area=safe,
            to_place=m(RouteLeg, "to_place"),
            transport=RouteLeg.Transport.FOOT,
            planned_departure=now + datetime.timedelta(hours=10),
            planned_arrival=now + datetime.timedelta(hours=14),
        ),
    ):
        plan.refresh_from_db()
        plans.route_leg_add(actor=volunteer, plan=plan, version=plan.version, data=data)
    plan.refresh_from_db()
    plan = plans.route_plan_move(actor=volunteer, plan=plan, move="submit", version=plan.version)
    plans.route_plan_move(actor=coordinator, plan=plan, move="approve", version=plan.version)
    first, second_leg = plan.legs.order_by("position")
    v = token_client(volunteer)
    ok(v.post(f"{API}/relocation/legs/{first.pk}/start/"))
    ok(
        v.post(
            f"{API}/relocation/legs/{first.pk}/check-ins/",
            {"note": m(CheckIn, "note"), "location": m(CheckIn, "location")},
            format="json",
        ),
        201,
    )
    # Nobody checks in for hours: the sweep climbs the escalation ladder.
    checkins.checkins_missed_sweep(now=timezone.now() + datetime.timedelta(hours=6))
    ok(v.post(f"{API}/relocation/legs/{first.pk}/check-ins/", {"note": "ok"}, format="json"), 201)
    ok(v.post(f"{API}/relocation/legs/{first.pk}/arrive/"))
    ok(v.post(f"{API}/relocation/legs/{second_leg.pk}/start/"))
    ok(
        v.post(
            f"{API}/relocation/legs/{second_leg.pk}/abort/",
            {"reason": m(RouteLeg, "abort_reason")},
            format="json",
        )
    )
    return first


def money(m: Markers, volunteer: User, coordinator: User, second: User, case: Case) -> None:
    """Through the API, with Idempotency-Keys: the answers kept for retries are scanned too."""
    fund = FundFactory.create(team=case.team, name="General kyat")
    give(fund, 5_000_000)
    v, c, c2 = token_client(volunteer), token_client(coordinator), token_client(second)
    F = f"{API}/funds"

    def post(client: Any, path: str, body: dict[str, Any], key: str, status: int = 200) -> Any:
        return ok(client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key), status)

    post(
        c,
        f"{F}/donations/",
        {
            "fund": str(fund.pk),
            "channel": "bank_transfer",
            "amount": "250000",
            "received_on": str(timezone.localdate()),
            "reference": m(Donation, "reference"),
            "donor_name": m(Donor, "name"),
            "donor_contact": m(Donor, "contact"),
        },
        "donation-1",
        201,
    )
    asked = {"case": str(case.pk), "fund": str(fund.pk), "purpose": "travel", "amount": "20000"}
    paid = post(
        v,
        f"{F}/disbursements/",
        asked | {"justification": m(Disbursement, "justification")},
        "ask-1",
        201,
    )["id"]
    post(c, f"{F}/disbursements/{paid}/approve/", {}, "approve-1")
    post(
        v,
        f"{F}/disbursements/{paid}/pay/",
        {"method": "cash", "reference": m(Disbursement, "payment_reference")},
        "pay-1",
    )
    refused = post(v, f"{F}/disbursements/", asked | {"justification": "x"}, "ask-2", 201)["id"]
    post(
        c2,
        f"{F}/disbursements/{refused}/reject/",
        {"reason": m(Disbursement, "decision_reason")},
        "reject-1",
    )
    ok(c.get(f"{F}/disbursements/{paid}/"))  # the detail, decrypted for its reader


def forced_errors_and_reads(m: Markers, volunteer: User, coordinator: User, case_id: str) -> None:
    v, c = token_client(volunteer), token_client(coordinator)
    # 400: markers in a body the API refuses (a team that does not exist, a relation not offered).
    refused = v.post(
        f"{API}/cases/",
        {"real_name": m(Case, "real_name"), "team": str(uuid.uuid4()), "service_branch": "x"},
        format="json",
    )
    assert refused.status_code == 400, refused.content
    refused = v.post(
        f"{API}/cases/{case_id}/family/",
        {"relation": "nobody", "name": m(FamilyMember, "name")},
        format="json",
    )
    assert refused.status_code == 400, refused.content
    # 404s: out of reach, and not there at all.
    assert v.get(f"{API}/cases/{uuid.uuid4()}/").status_code == 404
    assert v.get(f"{API}/relocation/legs/{uuid.uuid4()}/").status_code == 404
    assert verified_client(volunteer).get(f"/cases/{uuid.uuid4()}/").status_code == 404
    # Reads: the API, the case page, the CDM export.
    detail = ok(c.get(f"{API}/cases/{case_id}/"))
    assert detail["real_name"] == m(Case, "real_name")  # all there for the right reader
    page = verified_client(volunteer).get(f"/cases/{case_id}/")
    assert page.status_code == 200
    waiting = ok(v.post(f"{API}/cases/{case_id}/cdm-requests/", {"kind": "cdm"}), 201)["id"]
    ok(c.post(f"{API}/cdm-requests/{waiting}/ready/", {}))
    export = c.get(f"{API}/cases/cdm-requests/export.csv")
    assert export.status_code == 200, export.content[:500]
    assert m(Case, "service_number").encode() in export.content  # the export went to its reader


@pytest.mark.django_db(transaction=True)
def test_one_journey_through_the_product_leaves_no_marker_anywhere(
    volunteer: User,
    coordinator: User,
    team: Team,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    record_property: Any,
) -> None:
    started = timezone.now().timestamp() - 1
    second = MembershipFactory.create(
        team=team, user__username="coordinator2", user__role=User.Role.COORDINATOR
    ).user
    m = Markers.for_every_personal_field()
    assert len(m.by_field) >= 40  # cases, relocation, funds and accounts all have their fields
    pg_log = PostgresLog.start()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # SQL and its parameters go to the captured log
    try:
        case_id = intake(m, volunteer, coordinator, team)
        case = Case.objects.get(pk=case_id)
        relocation(m, volunteer, coordinator, second, case)
        money(m, volunteer, coordinator, second, case)
        forced_errors_and_reads(m, volunteer, coordinator, case_id)
        typed, filled = fill_untouched(m)
    finally:
        connection.force_debug_cursor = False
        pg_log.stop()
    assert Case.objects.get(pk=case_id).risk == 3  # the journey did what it says

    scan = Scan(m.searched(), decrypted_secrets())
    scan.search("pg_dump", pg_dump())
    server_log = pg_log.read()
    assert server_log.count(b"statement:") > 100, "PostgreSQL's log holds no statements"
    scan.search(f"PostgreSQL's log ({pg_log.path})", server_log)
    redis_chunks = redis_everything(settings.REDIS_URL)
    assert celery_message_count(redis_chunks) >= 1  # follow-ups and alerts were enqueued
    scan.search("Redis (keys, values, Celery messages)", b"\n".join(redis_chunks))
    assert "cases_case" in caplog.text  # the SQL was captured
    scan.search("the app's logs", caplog.text.encode("utf-8"))
    temp = Path(tempfile.gettempdir())  # /tmp
    scan.search(str(temp), read_files(files_under(temp, since=started)))
    scan.search("var/", read_files(files_under(ROOT / "var", since=0)))
    figures = (
        f"{scan.figures()}; {len(typed)} fields typed through the journey, {len(filled)} written "
        f"by save() ({', '.join(filled) or 'none'}); not markable: {', '.join(m.not_markable)}"
    )
    record_property("leak_scan", figures)
    print(figures)
    assert not scan.hits, scan.hits


# --- the same search behind real gunicorn, a Celery worker and beat -----------------------------


def test_through_gunicorn_worker_and_beat_no_marker_reaches_their_logs_redis_or_the_database(
    tmp_path: Path,
) -> None:
    """A smaller journey over HTTP against the production stack (production settings, the app
    role, a private Redis): intake with contacts, a relative with a security flag whose review is
    due (the worker sends its notification), a timeline note, the case page and a refused
    request. Then gunicorn's, the worker's and beat's logs, PostgreSQL's log, a pg_dump of the
    stack's database and every key of its Redis are searched."""
    from tests.adversarial.outages import FaultStack, PrivateRedis
    from tests.adversarial.test_faults import api, started
    from tests.production_stack import wait_for

    m = Markers.for_every_personal_field()
    server = PrivateRedis(tmp_path)
    server.start()
    stack = FaultStack(tmp_path / "stack", settings={"REDIS_URL": server.url(0)})
    try:
        stack.install()
        with stack.database.as_user(stack.admin.user).connect() as conn:
            conn.execute(
                f"ALTER DATABASE \"{stack.database.name}\" SET log_statement = 'all'".encode()
            )
        path = postgres_log_file(stack.database.as_user(stack.admin.user))
        pg_log = PostgresLog(path, path.stat().st_size if path else 0)
        data, browser = started(stack, cases=1, flags=0, installed=True)
        team_id = str(stack.query("SELECT id FROM accounts_team")[0][0])
        body: dict[str, Any] = {
            f.name: m(Case, f.name)
            for f in encrypted_fields(Case)
            if f"cases.Case.{f.name}" in m.by_field and f.name != "languages"
        }
        body |= {
            "team": team_id,
            "service_branch": "army",
            "contact_method": "messaging_app",
            "contacts": [
                {"kind": "signal", "value": m(ContactChannel, "phone")},
                {"kind": "telegram", "value": m(ContactChannel, "handle")},
            ],
        }
        made = api(browser, "POST", "/api/v1/cases/", body)
        assert made.status == 201, made.body[:1000]
        case_id = json.loads(made.body)["id"]
        relative = api(
            browser,
            "POST",
            f"/api/v1/cases/{case_id}/family/",
            {"relation": "spouse", "name": m(FamilyMember, "name"),
             "location": m(FamilyMember, "location"), "phone": m(FamilyMember, "phone")},
        )  # fmt: skip
        assert relative.status == 201, relative.body[:1000]
        flag = api(
            browser,
            "POST",
            f"/api/v1/family/{json.loads(relative.body)['id']}/flags/",
            {"kind": "threatened", "severity": 3, "observed_on": "2026-11-20",
             "review_on": "2026-11-27", "source": m(SecurityFlag, "source")},
        )  # fmt: skip
        assert flag.status == 201, flag.body[:1000]
        note = api(
            browser, "POST", f"/api/v1/cases/{case_id}/timeline/", {"text": m(CaseEvent, "text")}
        )
        assert note.status == 201, note.body[:1000]
        refused = api(browser, "POST", "/api/v1/cases/", {"real_name": m(Case, "real_name")})
        assert refused.status == 400
        page = browser.get(f"/cases/{case_id}/")
        assert page.status == 200 and m(Case, "alias") in page.body

        def reviewed() -> bool:
            rows = stack.query(
                "SELECT count(*) FROM followups_notification WHERE user_id = %s",
                [data["volunteer"]],
            )
            return rows[0][0] >= 1

        wait_for("the flag's review notification, through the worker", reviewed, timeout=60)
        stack.stop()  # every log flushed

        scan = Scan(m.searched())
        logs = {name: log.read_bytes() for name, _p, log in stack.processes}
        assert b"Booting worker" in logs["web"] and b"followups.sweep" in logs["worker"]
        for name, text in logs.items():
            scan.search(f"{name} log", text)
        database = {
            "HOST": stack.database.host,
            "PORT": stack.database.port,
            "USER": stack.admin.user,
            "NAME": stack.database.name,
        }
        scan.search("pg_dump", pg_dump(database))
        server_log = pg_log.read()
        assert stack.database.name.encode() in server_log or b"statement:" in server_log
        scan.search("PostgreSQL's log", server_log)
        chunks = redis_everything(server.url(0))
        assert celery_message_count(chunks) + len(chunks) > 0
        scan.search("Redis", b"\n".join(chunks))
        scan.search("the stack's files", read_files(files_under(tmp_path, since=0)))
        print(f"production stack: {scan.figures()}")
        assert not scan.hits, scan.hits
    finally:
        stack.stop()
        stack.drop()
        server.stop()


def test_the_scan_finds_a_marker_in_every_form_it_promises() -> None:
    """The zero above means something: each encoding of a marker, buried in other bytes (and in
    a Celery message's base64 body), is found."""
    import base64 as b64

    from tests.adversarial.leakscan import celery_bodies

    text = Markers.for_every_personal_field()(Case, "real_name")
    raw = text.encode()
    escaped = "".join(f"\\u{ord(c):04x}" for c in text).encode()
    envelope = json.dumps(
        {
            "body": b64.b64encode(b"[" + raw + b"]").decode(),
            "properties": {"body_encoding": "base64"},
        }
    ).encode()
    buried = {
        "plain": raw,
        "UTF-16": text.encode("utf-16-le"),
        "hex": raw.hex().encode(),
        "base64": b64.b64encode(b"x" + raw),
        "\\uXXXX": escaped,
        "Celery body": b"".join(celery_bodies(envelope)),
    }
    for form, haystack in buried.items():
        scan = Scan({"real name": text})
        scan.search(form, b"noise " + haystack + b" noise")
        assert scan.hits, form
    clean = Scan({"real name": text})
    other = Markers.for_every_personal_field()(Case, "real_name")
    clean.search(
        "another marker", other.encode() + other.encode("utf-16-le") + other.encode().hex().encode()
    )
    assert not clean.hits  # and no false alarm on a different marker


def test_docs_seized_server_names_every_table_and_column_of_the_models() -> None:
    from django.apps import apps

    from tests.adversarial.leakscan import TEST_ONLY_APPS

    doc = (ROOT / "docs" / "seized-server.md").read_text()
    sections = {
        part.split("`", 1)[0]: part for part in doc.split("\n### `")[1:]
    }  # table name -> its section
    missing = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in TEST_ONLY_APPS:
            continue
        table = model._meta.db_table
        if table not in sections:
            missing.append(table)
            continue
        missing += [
            f"{table}.{f.column}"
            for f in model._meta.local_concrete_fields
            if f"| `{f.column}` |" not in sections[table]
        ]
    assert not missing, f"describe these in docs/seized-server.md: {missing}"
