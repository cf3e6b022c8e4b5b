"""Fewer, smaller indexes on route legs: each one is written on every leg update that is not HOT
(the missed-check-in sweep's, a check-in's, a ladder step's), and hardly any is.

- `plan` and `case` lose their own indexes: `routeleg_position_per_plan` (plan, position) and
  `routeleg_case_state` (case, state) lead with the same columns.
- The four waypoint keys (from/to safe house, from/to area) are indexed only where set (a leg
  sets two of them), and the live-leg indexes on the safe houses leave out legs with no house.

Django's AlterField would also drop and re-add the six foreign keys, checking every leg again
under an exclusive lock: only the indexes are dropped here, the constraints stay as they are."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The names 0001_initial gave the foreign keys' indexes, and their columns.
FOREIGN_KEY_INDEXES = {
    "relocation_routeleg_case_id_47726d49": "case_id",
    "relocation_routeleg_plan_id_508bb3dd": "plan_id",
    "relocation_routeleg_from_safe_house_id_0eedc280": "from_safe_house_id",
    "relocation_routeleg_to_safe_house_id_717e5238": "to_safe_house_id",
    "relocation_routeleg_from_area_id_007adb03": "from_area_id",
    "relocation_routeleg_to_area_id_414dacee": "to_area_id",
}


def _key(name, to, related_name, *, on_delete, null=False):
    return migrations.AlterField(
        model_name="routeleg",
        name=name,
        field=models.ForeignKey(
            blank=null,
            null=null,
            db_index=False,
            on_delete=on_delete,
            related_name=related_name,
            to=to,
        ),
    )


def _set(key, name):
    return migrations.AddIndex(
        model_name="routeleg",
        index=models.Index(condition=models.Q((f"{key}__isnull", False)), fields=[key], name=name),
    )


CASCADE, PROTECT = django.db.models.deletion.CASCADE, django.db.models.deletion.PROTECT


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_case_text_review_fields"),
        ("relocation", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                _key("case", "cases.case", "route_legs", on_delete=CASCADE),
                _key("plan", "relocation.routeplan", "legs", on_delete=CASCADE),
                _key(
                    "from_safe_house",
                    "relocation.safehouse",
                    "legs_from",
                    on_delete=PROTECT,
                    null=True,
                ),
                _key(
                    "to_safe_house", "relocation.safehouse", "legs_to", on_delete=PROTECT, null=True
                ),
                _key("from_area", "relocation.area", "legs_from", on_delete=PROTECT, null=True),
                _key("to_area", "relocation.area", "legs_to", on_delete=PROTECT, null=True),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "relocation_routeleg" ("{column}")',
                )
                for name, column in FOREIGN_KEY_INDEXES.items()
            ],
        ),
        migrations.RemoveIndex(model_name="routeleg", name="routeleg_live_from_house"),
        migrations.RemoveIndex(model_name="routeleg", name="routeleg_live_to_house"),
        migrations.AddIndex(
            model_name="routeleg",
            index=models.Index(
                condition=models.Q(
                    ("from_safe_house__isnull", False), ("state__in", ["planned", "under_way"])
                ),
                fields=["from_safe_house"],
                name="routeleg_live_from_house",
            ),
        ),
        migrations.AddIndex(
            model_name="routeleg",
            index=models.Index(
                condition=models.Q(
                    ("state__in", ["planned", "under_way", "arrived"]),
                    ("to_safe_house__isnull", False),
                ),
                fields=["to_safe_house"],
                name="routeleg_live_to_house",
            ),
        ),
        _set("from_safe_house", "routeleg_from_house"),
        _set("to_safe_house", "routeleg_to_house"),
        _set("from_area", "routeleg_from_area"),
        _set("to_area", "routeleg_to_area"),
    ]
