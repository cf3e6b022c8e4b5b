import datetime
import decimal

from supportdesk.vault.tests.vaulttest.models import Dossier, Relative


def dossier_create(**fields: object) -> Dossier:
    values: dict[str, object] = {
        "alias": "Special 007",
        "name": "Min Aung",
        "phone": "09 420 123456",
        "handle": "@minaung",
        "notes": "Left the unit in March.",
        "born": datetime.date(1990, 5, 17),
        "profile": {"rank": "sergeant", "unit": "LIB 12"},
        "amount": decimal.Decimal("150000.00"),
        "photo": b"\x89PNG fake",
    }
    values.update(fields)
    return Dossier.objects.create(**values)


def relative_create(dossier: Dossier, **fields: object) -> Relative:
    values: dict[str, object] = {
        "relation": "sister",
        "name": "Daw Hla",
        "phone": "+95 9 777 123456",
        "note": "Lives near the compound.",
    }
    values.update(fields)
    return Relative.objects.create(dossier=dossier, **values)
