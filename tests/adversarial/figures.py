"""Counts the adversarial suite keeps while it runs, printed at the end of the session."""

from __future__ import annotations

from collections import Counter

# (role, "METHOD /path") -> requests sent
FUZZ_REQUESTS: Counter[tuple[str, str]] = Counter()
# "METHOD /path" -> examples hypothesis generated
FUZZ_EXAMPLES: Counter[str] = Counter()
# (case name, "METHOD /path") -> requests sent by the bad-input test
BAD_INPUT: Counter[tuple[str, str]] = Counter()


def summary() -> list[str]:
    lines = []
    if FUZZ_EXAMPLES:
        roles = sorted({role for role, _ in FUZZ_REQUESTS})
        per_role = ", ".join(
            f"{role} {len({op for r, op in FUZZ_REQUESTS if r == role})} operations / "
            f"{sum(n for (r, _), n in FUZZ_REQUESTS.items() if r == role)} requests"
            for role in roles
        )
        lines.append(
            f"fuzz: {len(FUZZ_EXAMPLES)} operations, {sum(FUZZ_EXAMPLES.values())} examples; "
            + per_role
        )
    if BAD_INPUT:
        cases = {name for name, _ in BAD_INPUT}
        endpoints = {op for _, op in BAD_INPUT}
        lines.append(
            f"bad input: {len(cases)} kinds x {len(endpoints)} write operations, "
            f"{sum(BAD_INPUT.values())} requests"
        )
    return lines
