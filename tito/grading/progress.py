"""What the instructor watches while a class is graded: one line per submission, a bar with rate and time left.

On a terminal, tqdm draws the bar at the bottom and the lines scroll above
it. Elsewhere (a pipe, a CI log, a test), every line says the same in plain
text: how many are done, the rate so far and the time left at that rate.
"""
from __future__ import annotations

import sys
import time
from typing import Callable


def clock(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Progress:
    def __init__(self, total: int, say: Callable[[str], None], bar: bool = False):
        self.total, self.done, self.say = total, 0, say
        self.started = time.monotonic()
        self.bar = None
        if bar and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="submission", file=sys.stdout, dynamic_ncols=True,
                            smoothing=0.1)

    def advance(self, line: str) -> None:
        """One more submission finished: show ``line`` about it."""
        self.done += 1
        if self.bar is not None:
            self.bar.write(line, file=sys.stdout)
            self.bar.update()
            return
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        width = len(str(self.total))
        self.say(f"  [{self.done:>{width}}/{self.total} {rate:.2f}/s {clock(left)} left] {line}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
