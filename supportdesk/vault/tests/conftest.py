from collections.abc import Iterator

import pytest

from supportdesk.vault.crypto import key_cache
from supportdesk.vault.keyring import key_ring_reload


@pytest.fixture(autouse=True)
def _fresh_keys() -> Iterator[None]:
    # Each test sees the key ring of its environment and a cold data-key cache.
    key_ring_reload()
    key_cache.clear()
    yield
    key_cache.clear()
