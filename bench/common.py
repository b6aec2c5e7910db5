"""What every part of the bench shares: where things are, the fixed today, the
terminal size, and two small timing helpers.

The first-frame child imports this module, so it imports nothing heavy."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
TODAY = date(2026, 3, 11)  # fixed so every run projects the same dates
SIZE = (80, 24)


def time_call(fn, repeat: int) -> float:
    """Median seconds of `repeat` calls of fn()."""
    import statistics

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
