"""Per-request facts (request id, client IP) that services and logs may read without a request."""

from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="")
_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def bind(*, request_id: str, ip: str | None) -> None:
    _request_id.set(request_id)
    _client_ip.set(ip)


def current_request_id() -> str:
    return _request_id.get()


def current_ip() -> str | None:
    return _client_ip.get()
