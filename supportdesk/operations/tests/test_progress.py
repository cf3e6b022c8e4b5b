"""The commands' progress bar: in place on a terminal, a line a tenth into a log."""

from __future__ import annotations

from supportdesk.operations.progress import Progress


def test_into_a_log_a_line_at_each_tenth_and_one_at_the_end() -> None:
    lines: list[str] = []
    bar = Progress(lines.append, label="Restoring", total=1000, tty=False)
    for done in range(0, 1001, 10):
        bar.update(done)
    bar.finish()
    assert len(lines) == 11 and lines[-1].startswith("Restoring [" + "#" * 30 + "] 100%")


def test_an_estimate_stops_short_of_the_end_until_it_is_done() -> None:
    lines: list[str] = []
    bar = Progress(lines.append, label="Dumping", total=100, tty=False, estimate=True)
    bar.update(250)  # the dump came out larger than the estimate
    assert " 99%" in lines[-1]
    bar.finish()
    assert " 100%" in lines[-1]


def test_on_a_terminal_the_bar_is_redrawn_in_place() -> None:
    lines: list[str] = []
    bar = Progress(lines.append, label="Dumping", total=100, tty=True)
    bar._shown_at -= 1  # as if the last redraw was a while ago
    bar.update(50)
    bar.finish()
    assert lines[0].startswith("\rDumping [") and " 50%" in lines[0]
    assert lines[-1].startswith("\r") and lines[-1].endswith("\n")
