"""A progress bar for the backup and restore commands: a few lines of our own, no dependency.

On a terminal the bar is redrawn in place at most a few times a second; into a file or a pipe
(cron, a log) it writes a line at every tenth of the way, so a log shows progress without
thousands of lines."""

from __future__ import annotations

import time
from collections.abc import Callable

MB = 1024 * 1024


class Progress:
    def __init__(
        self,
        write: Callable[[str], None],
        *,
        label: str,
        total: int,
        tty: bool,
        width: int = 30,
        estimate: bool = False,
    ) -> None:
        self._write, self._label, self._total, self._tty = write, label, max(total, 1), tty
        self._width, self._estimate = width, estimate  # an estimate: stop short of 100 %
        self._started = self._shown_at = time.monotonic()
        self._tenth = -1
        self.done = 0

    def _fraction(self) -> float:
        fraction = self.done / self._total
        return min(fraction, 0.99) if self._estimate else min(fraction, 1.0)

    def line(self, fraction: float) -> str:
        filled = int(self._width * fraction)
        elapsed = time.monotonic() - self._started
        return (
            f"{self._label} [{'#' * filled}{'.' * (self._width - filled)}] {fraction:4.0%} "
            f"{self.done / MB:.1f} MB {elapsed:.0f} s"
        )

    def update(self, done: int) -> None:
        self.done = done
        fraction = self._fraction()
        if self._tty:
            now = time.monotonic()
            if now - self._shown_at >= 0.2:
                self._shown_at = now
                self._write("\r" + self.line(fraction))
            return
        tenth = int(fraction * 10)
        if tenth > self._tenth:
            self._tenth = tenth
            self._write(self.line(fraction) + "\n")

    def finish(self) -> None:
        if self._tty:
            self._write("\r" + self.line(1.0) + "\n")
        elif self._tenth < 10:  # the last tenth's line is the end already
            self._write(self.line(1.0) + "\n")
