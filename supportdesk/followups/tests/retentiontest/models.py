import uuid

from django.db import models


class Dossier(models.Model):
    """Closed some time ago, perhaps held by a coordinator, and shredded by a retention policy."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alias = models.CharField(max_length=50)
    closed_at = models.DateTimeField(null=True, blank=True)
    on_hold = models.BooleanField(default=False)
    shredded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.alias
