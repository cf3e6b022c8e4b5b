import uuid

import factory
from factory.django import DjangoModelFactory

from funds.models import Account
from supportdesk.accounts.tests.factories import TeamFactory


class FundFactory(DjangoModelFactory[Account]):
    class Meta:
        model = Account

    id = factory.LazyFunction(uuid.uuid4)
    team = factory.SubFactory(TeamFactory)
    kind = Account.Kind.FUND
    name = factory.Sequence(lambda n: f"Fund {n}")
    currency = "MMK"
