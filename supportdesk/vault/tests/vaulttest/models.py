"""A key holder with every kind of encrypted field, and a dependant record under its key."""

import uuid

from django.db import models

from supportdesk.vault.fields import (
    BlindIndexField,
    EncryptedBinaryField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedDecimalField,
    EncryptedJSONField,
    EncryptedTextField,
)
from supportdesk.vault.query import VaultModel


class Dossier(VaultModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alias = models.CharField(max_length=100)  # not personal: what the group calls the person
    name = EncryptedCharField(max_length=200)
    name_index = BlindIndexField(source="name", normaliser="name")
    phone = EncryptedCharField(max_length=40, blank=True)
    phone_index = BlindIndexField(source="phone", normaliser="phone", index_name="phone")
    handle = EncryptedCharField(max_length=100, blank=True)
    handle_index = BlindIndexField(source="handle", normaliser="handle")
    notes = EncryptedTextField(blank=True)
    born = EncryptedDateField(null=True, blank=True)
    profile = EncryptedJSONField(null=True, blank=True)
    amount = EncryptedDecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    photo = EncryptedBinaryField(null=True, blank=True)

    class Vault:
        key_holder = "self"


class Relative(VaultModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="relatives")
    relation = models.CharField(max_length=30)
    name = EncryptedCharField(max_length=200)
    phone = EncryptedCharField(max_length=40, blank=True)
    phone_index = BlindIndexField(source="phone", normaliser="phone", index_name="phone")
    note = EncryptedTextField(blank=True)

    class Vault:
        key_holder = "dossier"
