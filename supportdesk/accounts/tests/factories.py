from typing import Any

import factory
from factory.django import DjangoModelFactory

from supportdesk.accounts.models import Membership, Team, User

PASSWORD = "correct horse battery staple 42"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    role = User.Role.VOLUNTEER

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        kwargs["password"] = str(kwargs.get("password", PASSWORD))
        return model_class.objects.create_user(*args, **kwargs)


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
