"""Tests reach loopback only: pytest-socket, configured in pyproject's addopts, refuses every
outbound connection to another address, so no test (and no code under test) can send data off
the machine. Subprocesses a test starts (tests/test_production.py) are not covered by it; they talk
to loopback services only."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from pytest_socket import SocketConnectBlockedError


@pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")
@pytest.mark.parametrize(
    "address",
    [("192.0.2.1", 443), ("8.8.8.8", 53), ("2001:db8::1", 443)],
    ids=["documentation-range", "public-resolver", "ipv6"],
)
def test_an_outbound_connection_is_refused(address: tuple[str, int]) -> None:
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with (
        socket.socket(family, socket.SOCK_STREAM) as sock,
        pytest.raises(SocketConnectBlockedError),
    ):
        sock.connect(address)


def test_loopback_services_stay_reachable() -> None:
    """Redis on 127.0.0.1, as the suite uses it."""
    redis = urlsplit(settings.REDIS_URL)
    assert redis.hostname in {"127.0.0.1", "localhost", "::1"}
    with socket.create_connection((redis.hostname, redis.port or 6379), timeout=5):
        pass
