"""One sweep in a process of its own, for the killed-worker test.

With SWEEP_CHILD_BLOCK set to a file path, the handler writes its notification, touches that file
and then blocks, so the test can kill the process in the middle of the handler.
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import django
from django.utils.functional import lazystr

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")
django.setup()

from django.utils import timezone  # noqa: E402

from supportdesk.followups.models import FollowUp  # noqa: E402
from supportdesk.followups.registry import register_handler  # noqa: E402
from supportdesk.followups.services import followup_notify  # noqa: E402
from supportdesk.followups.sweep import followups_sweep  # noqa: E402
from supportdesk.messages import Message  # noqa: E402

KIND = "test.killed"


def handler(followup: FollowUp) -> None:
    followup_notify(
        followup=followup, message=Message(lazystr("Check-in missed: Special 007")), link="/"
    )
    marker = os.environ.get("SWEEP_CHILD_BLOCK")
    if marker:
        Path(marker).write_text("in the handler")
        time.sleep(600)


def main() -> None:
    register_handler(KIND, handler)
    offset = timedelta(seconds=float(sys.argv[1]) if len(sys.argv) > 1 else 0)
    result = followups_sweep(now=timezone.now() + offset)
    print(f"done={result.done}")


if __name__ == "__main__":
    main()
