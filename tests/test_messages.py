"""Sentences the system writes are stored in their source language and read in the reader's."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from cases.models import Case, CaseEvent
from cases.services.lifecycle import case_transition
from cases.tests.factories import CaseFactory
from supportdesk.followups.models import Notification
from supportdesk.messages import Formatted, Message, register_formatter, rendered

pytestmark = pytest.mark.django_db

STATUS = gettext_lazy("Case %(ref)s: %(status)s")


def test_a_message_keeps_its_source_and_renders_in_the_active_language() -> None:
    message = Message(STATUS, ref="SD-7", status=Case.Status.LOST_CONTACT.label)
    assert message.to_json() == {
        "text": "Case %(ref)s: %(status)s",
        "params": {"ref": "SD-7", "status": {"t": "Lost contact"}},
    }
    with translation.override("en"):
        assert message.render() == "Case SD-7: Lost contact"
    with translation.override("my"):
        assert message.render() == "ကေ့စ် SD-7- အဆက်အသွယ်ပြတ်"


def test_written_in_burmese_it_is_read_in_english_and_the_other_way_round() -> None:
    with translation.override("my"):
        stored = Message(STATUS, ref="SD-7", status=Case.Status.LOST_CONTACT.label).to_json()
    assert stored["text"] == "Case %(ref)s: %(status)s"  # never the writer's translation
    with translation.override("en"):
        assert rendered(stored) == "Case SD-7: Lost contact"
        stored_in_english = Message(STATUS, ref="SD-7", status=Case.Status.SAFE_AREA.label)
    with translation.override("my"):
        assert rendered(stored_in_english.to_json()) == "ကေ့စ် SD-7- " + str(
            Case.Status.SAFE_AREA.label
        )
        assert "Safe" not in rendered(stored_in_english.to_json())


def test_a_sentence_already_translated_or_an_odd_parameter_is_refused() -> None:
    with pytest.raises(TypeError):
        Message("Case %(ref)s: %(status)s", ref="SD-7")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Message(STATUS, ref=object(), status="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Message(STATUS, ref=True, status="x")


def test_a_whole_number_is_read_in_the_readers_digits_and_a_reference_never_changes() -> None:
    late = gettext_lazy("Case %(ref)s: leg %(number)s has not checked in for %(minutes)s minutes.")
    stored = Message(late, ref="SD-2710", number=2, minutes=45).to_json()
    assert stored["params"] == {"ref": "SD-2710", "number": 2, "minutes": 45}  # stored as numbers
    with translation.override("en"):
        assert rendered(stored) == "Case SD-2710: leg 2 has not checked in for 45 minutes."
    with translation.override("my"):
        shown = rendered(stored)
        assert "SD-2710" in shown  # a reference keeps its digits
        assert "၂" in shown and "၄၅" in shown
        assert not set(shown.replace("SD-2710", "")) & set("0123456789")
        arrived = Message(gettext_lazy("Leg %(number)s arrived."), number=12).render()
        assert arrived == "ခရီးပိုင်း ၁၂ ရောက်ပါပြီ။"
        in_words = Message(gettext_lazy("Case %(ref)s: %(status)s"), ref="1234", status="5")
        assert in_words.render().endswith("1234- 5")  # text parameters are kept as they are


def test_a_formatted_parameter_is_written_for_each_reader_by_its_formatter() -> None:
    register_formatter("tests.weight", lambda value, language: f"{value[0]} kg ({language})")
    paid = Message(gettext_lazy("%(amount)s was paid."), amount=Formatted("tests.weight", [7]))
    stored = paid.to_json()
    assert stored["params"] == {"amount": {"f": "tests.weight", "v": [7]}}
    with translation.override("en"):
        assert rendered(stored) == "7 kg (en) was paid."
    with translation.override("my"):
        assert rendered(stored).startswith("7 kg (my)")
    unknown = {"text": "%(amount)s was paid.", "params": {"amount": {"f": "gone", "v": [3]}}}
    with translation.override("en"):
        assert rendered(unknown) == "[3] was paid."  # its app is gone: the value as stored


def test_rows_from_before_messages_keep_their_text() -> None:
    assert rendered({}, fallback="An older sentence") == "An older sentence"
    assert rendered(None) == ""


def test_the_coordinator_reads_an_alarm_in_their_language_whoever_raised_it(
    volunteer, coordinator, team
) -> None:
    case = CaseFactory.create(team=team, status=Case.Status.IN_TRANSIT)
    with translation.override("my"):  # the volunteer uses Burmese
        case_transition(actor=volunteer, case=case, to_status=Case.Status.LOST_CONTACT)
    notice = Notification.objects.get(user=coordinator, kind="case.alarm")
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.STATUS)
    with translation.override("en"):
        assert notice.sentence == f"Case {case.ref}: Lost contact"
    with translation.override("my"):
        assert notice.sentence == f"ကေ့စ် {case.ref}- အဆက်အသွယ်ပြတ်"
    assert event.from_status == Case.Status.IN_TRANSIT
