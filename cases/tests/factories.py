import uuid

import factory
from factory.django import DjangoModelFactory

from cases.models import Case, CdmRequest, ContactChannel, FamilyMember, SecurityFlag, ServiceBranch
from supportdesk.accounts.tests.factories import TeamFactory


class CaseFactory(DjangoModelFactory[Case]):
    class Meta:
        model = Case

    id = factory.LazyFunction(uuid.uuid4)
    team = factory.SubFactory(TeamFactory)
    alias = factory.Sequence(lambda n: f"Special {n:03d}")
    real_name = "Ko Aung"
    service_branch = ServiceBranch.ARMY
    rank = "Corporal"
    unit = "LIB 101"
    service_number = factory.Sequence(lambda n: f"SN-{n:06d}")
    contact_method = Case.ContactMethod.MESSAGING_APP


class ContactFactory(DjangoModelFactory[ContactChannel]):
    class Meta:
        model = ContactChannel

    id = factory.LazyFunction(uuid.uuid4)
    case = factory.SubFactory(CaseFactory)
    kind = ContactChannel.Kind.PHONE
    phone = "+959420123456"


class FamilyMemberFactory(DjangoModelFactory[FamilyMember]):
    class Meta:
        model = FamilyMember

    id = factory.LazyFunction(uuid.uuid4)
    case = factory.SubFactory(CaseFactory)
    relation = FamilyMember.Relation.SPOUSE
    name = "Ma Hla"
    location = "Mandalay"


class SecurityFlagFactory(DjangoModelFactory[SecurityFlag]):
    class Meta:
        model = SecurityFlag

    id = factory.LazyFunction(uuid.uuid4)
    family_member = factory.SubFactory(FamilyMemberFactory)
    kind = SecurityFlag.Kind.CONTACTED
    severity = SecurityFlag.Severity.MEDIUM
    observed_on = factory.Faker("date_this_year")
    review_on = factory.Faker("date_this_year")


class CdmRequestFactory(DjangoModelFactory[CdmRequest]):
    class Meta:
        model = CdmRequest

    id = factory.LazyFunction(uuid.uuid4)
    case = factory.SubFactory(CaseFactory)
    kind = CdmRequest.Kind.CDM
