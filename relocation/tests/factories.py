import datetime
import uuid

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from cases.tests.factories import CaseFactory
from relocation.models import Area, RouteLeg, RoutePlan, SafeHouse, Waypoint
from supportdesk.accounts.tests.factories import TeamFactory


class AreaFactory(DjangoModelFactory[Area]):
    class Meta:
        model = Area

    id = factory.LazyFunction(uuid.uuid4)
    team = factory.SubFactory(TeamFactory)
    township = factory.Sequence(lambda n: f"Township {n}")
    region = "Sagaing"


class SafeHouseFactory(DjangoModelFactory[SafeHouse]):
    class Meta:
        model = SafeHouse

    id = factory.LazyFunction(uuid.uuid4)
    team = factory.SubFactory(TeamFactory)
    area = factory.SubFactory(AreaFactory, team=factory.SelfAttribute("..team"))
    code_name = factory.Sequence(lambda n: f"Mango {n}")
    address = "12 Hidden Lane"
    contact_name = "U Ba"
    contact_phone = "+959420123456"
    capacity = 4


class RoutePlanFactory(DjangoModelFactory[RoutePlan]):
    class Meta:
        model = RoutePlan

    id = factory.LazyFunction(uuid.uuid4)
    case = factory.SubFactory(CaseFactory)


def _soon(hours: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


class RouteLegFactory(DjangoModelFactory[RouteLeg]):
    class Meta:
        model = RouteLeg

    id = factory.LazyFunction(uuid.uuid4)
    plan = factory.SubFactory(RoutePlanFactory)
    case = factory.SelfAttribute("plan.case")
    position = factory.Sequence(lambda n: n)
    from_kind = Waypoint.PLACE
    from_area = factory.SubFactory(AreaFactory, team=factory.SelfAttribute("..case.team"))
    from_place = "Bus station"
    to_kind = Waypoint.SAFE_AREA
    to_area = factory.SubFactory(AreaFactory, team=factory.SelfAttribute("..case.team"))
    to_place = "Liberated area"
    transport = RouteLeg.Transport.BUS
    planned_departure = factory.LazyFunction(lambda: _soon(1))
    planned_arrival = factory.LazyFunction(lambda: _soon(5))
    check_in_interval_minutes = 60
