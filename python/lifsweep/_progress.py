"""Progress of a run on `sys.stderr`: one line redrawn in place in a terminal or a notebook
(Jupyter renders the carriage return), a plain line every 10 s elsewhere (a batch log)."""

from __future__ import annotations

import sys
import time


def _interactive() -> bool:
    stream = sys.stderr
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    return "ipykernel" in sys.modules


def _duration(s: float) -> str:
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


class Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.interactive = _interactive()
        self.start = time.monotonic()
        self.last = 0.0
        self.interval = 0.25 if self.interactive else 10.0
        self.shown = False

    def update(self, jobs: int, total_jobs: int, steps: int, total_steps: int,
               force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        elapsed = now - self.start
        rate = steps / elapsed if elapsed > 0 else 0.0
        left = f", {_duration((total_steps - steps) / rate)} left" if rate > 0 and \
            steps < total_steps else ""
        pct = 100.0 * steps / total_steps if total_steps else 100.0
        line = (f"lifsweep: {jobs}/{total_jobs} jobs ({pct:.0f}%), "
                f"{rate:.3g} neuron-steps/s{left}")
        if self.interactive:
            sys.stderr.write("\r" + line.ljust(72))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
        self.shown = True

    def finish(self, summary: str | None) -> None:
        if not self.enabled:
            return
        if self.interactive and self.shown:
            sys.stderr.write("\r" + " " * 72 + "\r")
        if summary:
            sys.stderr.write(summary + "\n")
        sys.stderr.flush()
