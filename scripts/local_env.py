"""Write the local `.env` for `make run` once: development mode and a random secret key."""

import secrets
import sys
from pathlib import Path

path = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
if path.exists():
    sys.exit(0)
path.write_text(
    "# Local development settings written by `make run`. Never use these in production.\n"
    "SUPPORTDESK_ENV=development\n"
    "DEBUG=on\n"
    f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
)
path.chmod(0o600)
print(f"Wrote {path} (development settings).")
