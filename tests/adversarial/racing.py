"""Real threads on PostgreSQL, each with its own connection, released together by a barrier: the
shared race runner, counting every exception by its class name."""

from __future__ import annotations

from supportdesk.testing import at_once

__all__ = ["at_once"]
