"""Print, or apply, the SQL of the database's owner and app roles (supportdesk.operations.roles)."""

from __future__ import annotations

from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from supportdesk.audit.models import AuditEvent
from supportdesk.errors import ApplicationError
from supportdesk.operations import pg, roles


class Command(BaseCommand):
    help = (
        "Print the SQL that makes the owner role (owns the tables, runs migrate) and the app "
        "role (owns nothing; cannot rewrite or truncate the audit log), or run it with --apply "
        "as the superuser DATABASE_URL names. Run it before the first migrate and again after."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", default=roles.OWNER, help="the owner role's name")
        parser.add_argument("--app", default=roles.APP, help="the app role's name")
        parser.add_argument(
            "--database-name", help="the database (default: the one DATABASE_URL names)"
        )
        parser.add_argument("--part", choices=["all", "roles", "grants"], default="all")
        parser.add_argument("--apply", action="store_true", help="run it, as DATABASE_URL's role")

    def handle(self, *args: Any, **options: Any) -> None:
        settings_dict = connections["default"].settings_dict
        name = options["database_name"] or (
            roles.DATABASE if not options["apply"] else str(settings_dict["NAME"])
        )
        owner, app, part = options["owner"], options["app"], options["part"]
        try:
            parts = {
                "roles": roles.roles_sql(owner=owner, app=app, database=name),
                "grants": roles.grants_sql(app=app),
            }
            if not options["apply"]:
                sql = roles.full_sql(owner=owner, app=app, database=name)
                self.stdout.write(sql if part == "all" else parts[part], ending="")
                return
            self._apply(pg.Database.from_settings(settings_dict), parts, part, owner, app)
        except ApplicationError as refused:
            raise CommandError(str(refused.message)) from None

    def _apply(
        self, database: pg.Database, parts: dict[str, str], part: str, owner: str, app: str
    ) -> None:
        try:
            with database.connect() as conn:
                if part in ("all", "roles"):
                    conn.execute(parts["roles"].encode())
                    self.stdout.write(
                        f"Roles {owner} and {app} are in place; {database.name} belongs to {owner}."
                    )
                if part == "roles":
                    return
                table = AuditEvent._meta.db_table
                row = conn.execute("SELECT to_regclass(%s)", [f"public.{table}"]).fetchone()
                if row is None or row[0] is None:
                    self.stdout.write(
                        f"The tables do not exist yet: run `manage.py migrate` as {owner}, then "
                        "`manage.py db_roles --apply` again for the app role's grants."
                    )
                    return
                conn.execute(parts["grants"].encode())
                self.stdout.write(f"The app role {app} has its grants.")
        except psycopg.Error as error:
            reason = (error.diag.message_primary or type(error).__name__) if error.diag else ""
            raise CommandError(f"The roles could not be applied: {reason}.") from None
