"""A small workflow kit: the moves a record's state may make, and who may make each.

One table per workflow, asked by both sides, so the rules are written once:

- services call `workflow.check(...)` under their row lock, and refuse with the workflow's own
  sentence (a wrong state) or its `not_permitted` error (a role that may not make the move);
- pages and the API call `workflow.available(...)` to offer only the moves the user may make now.

A move is named for what the user does ("submit", "vouch") or, in a plain status workflow, for the
state it leads to. The same name may leave different states with different people allowed (a
volunteer withdraws a draft; only a coordinator withdraws a request already sent). "Who" is a
`rules` predicate over (user, team), from `supportdesk.accounts.scope` or combined from its
predicates. Rules about a particular record (the person who drafted a request does not also check
it) stay in the service, next to their sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from rules import Predicate

from supportdesk.accounts import scope
from supportdesk.accounts.models import Team, User
from supportdesk.errors import ApplicationError


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[str]
    target: str
    who: Predicate = scope.is_team_member
    # False for a move made only as part of another action (never offered on its own).
    offered: bool = True


def moves(table: Mapping[str, Iterable[str]], *, who: Callable[[str], Predicate]) -> list[Move]:
    """A plain status workflow from a table {from: [to, ...]}: each move named for its target."""
    sources: dict[str, set[str]] = {}
    for source, targets in table.items():
        for target in targets:
            sources.setdefault(target, set()).add(source)
    return [
        Move(name=target, sources=frozenset(froms), target=target, who=who(target))
        for target, froms in sources.items()
    ]


class Workflow:
    """`wrong_state(state, move_name)` and `not_permitted()` build the errors services raise."""

    def __init__(
        self,
        name: str,
        moves: Iterable[Move],
        *,
        wrong_state: Callable[[str, str], ApplicationError],
        not_permitted: Callable[[], ApplicationError],
    ) -> None:
        self.name = name
        self.moves = tuple(moves)
        self._wrong_state = wrong_state
        self._not_permitted = not_permitted

    def move(self, name: str, state: str) -> Move | None:
        """The move of that name out of `state`, if the table has one."""
        return next((m for m in self.moves if m.name == name and state in m.sources), None)

    def names(self) -> frozenset[str]:
        return frozenset(m.name for m in self.moves)

    def allows(self, state: str, name: str) -> bool:
        return self.move(name, state) is not None

    def available(self, *, user: User, team: Team | UUID, state: str) -> list[Move]:
        """The moves out of `state` the user may make, in table order: what a page offers. A move
        that would change nothing (its target is `state`) is allowed but never offered."""
        with scope.one_question():
            if not scope.is_member_of(user, team):
                return []
            return [
                m
                for m in self.moves
                if m.offered and state in m.sources and m.target != state and m.who.test(user, team)
            ]

    def check(self, *, user: User, team: Team | UUID, state: str, name: str) -> Move:
        """The move, or the error a service raises: NotFound outside the team, the wrong-state
        sentence when the table has no such move from here, `not_permitted` when the user's role
        may not make it."""
        with scope.one_question():
            scope.require_member(user, team)
            found = self.move(name, state)
            if found is None:
                raise self._wrong_state(state, name)
            if not found.who.test(user, team):
                raise self._not_permitted()
            return found
