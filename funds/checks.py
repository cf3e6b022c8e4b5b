"""The ledger's invariants, recomputed from the entries (docs/funds.md "Ledger invariants").
Each problem names accounts and transfers by id, never a person. Used by `check_ledger` and by
the tests after every step."""

from __future__ import annotations

from django.db import connection

from funds.models import Account, Entry, Transfer

BALANCES = [choice.value for choice in Entry.Balance]


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def ledger_problems() -> list[str]:
    entry, account, transfer = (m._meta.db_table for m in (Entry, Account, Transfer))
    problems: list[str] = []
    # 1. Every cached balance equals the sum of its entries (one pass over the entries).
    sums = {
        (str(account_id), balance): int(total)
        for account_id, balance, total in _rows(
            f"SELECT account_id, balance, SUM(amount) FROM {entry} "  # noqa: S608  # nosec B608: table names from the models, no input
            "GROUP BY account_id, balance"
        )
    }
    for row in Account.objects.values("pk", *BALANCES).iterator(chunk_size=2000):
        for balance in BALANCES:
            derived = sums.get((str(row["pk"]), balance), 0)
            if derived != row[balance]:
                problems.append(
                    f"account {row['pk']}: {balance} is {row[balance]}, its entries sum to "
                    f"{derived}"
                )
    # 2. Every transfer balances: debit-side changes equal credit-side changes, per phase.
    unbalanced = _rows(
        f"SELECT transfer_id FROM {entry} GROUP BY transfer_id HAVING "  # noqa: S608  # nosec B608: table names from the models, no input
        "SUM(CASE balance WHEN 'debits_pending' THEN amount WHEN 'credits_pending' THEN -amount "
        "ELSE 0 END) <> 0 OR SUM(CASE balance WHEN 'debits_posted' THEN amount "
        "WHEN 'credits_posted' THEN -amount ELSE 0 END) <> 0"
    )
    problems += [
        f"transfer {transfer_id}: its entries do not balance" for (transfer_id,) in unbalanced
    ]
    # 3. Every transfer has entries, and a transfer moves money of its accounts' currency.
    bare = _rows(
        f"SELECT t.id FROM {transfer} t LEFT JOIN {entry} e ON e.transfer_id = t.id "  # noqa: S608  # nosec B608: table names from the models, no input
        "WHERE e.id IS NULL"
    )
    problems += [f"transfer {transfer_id}: has no entries" for (transfer_id,) in bare]
    mixed = _rows(
        f"SELECT t.id FROM {transfer} t JOIN {account} d ON d.id = t.debit_account_id "  # noqa: S608  # nosec B608: table names from the models, no input
        f"JOIN {account} c ON c.id = t.credit_account_id "
        "WHERE d.currency <> t.currency OR c.currency <> t.currency"
    )
    problems += [f"transfer {transfer_id}: mixes currencies" for (transfer_id,) in mixed]
    # 4. No fund is overdrawn, recomputed from the entries (not from the cache).
    for row in Account.objects.filter(kind=Account.Kind.FUND).values("pk").iterator():
        key = str(row["pk"])
        available = (
            sums.get((key, "credits_posted"), 0)
            - sums.get((key, "debits_posted"), 0)
            - sums.get((key, "debits_pending"), 0)
        )
        if available < 0:
            problems.append(f"account {key}: overdrawn by {-available} (from its entries)")
    return problems
