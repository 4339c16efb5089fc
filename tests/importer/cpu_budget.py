"""A ceiling on the CPU time one call may use: a safety net that catches a parser gone
exponential (seconds to hours) on a hostile input, not a benchmark (that is `python -m bench`).

The ceiling is process CPU time (ITIMER_PROF), so other programs on a shared machine do
not eat into it, and it interrupts the call when reached, so a regression fails at once
instead of hanging the suite. Ceilings are set tens of times above what the parser needs.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

T = TypeVar("T")

#: Allowed per call: a fixed part (first-use costs, a collection pass) and a part per byte.
FIXED_SECONDS = 0.25
SECONDS_PER_BYTE = 20e-6


class OverBudget(AssertionError):
    """The call used more CPU time than its ceiling."""


def ceiling(text: str) -> float:
    """The CPU seconds parsing `text` may take: linear in its size with a wide margin."""
    return FIXED_SECONDS + SECONDS_PER_BYTE * len(text.encode("utf-8", "surrogatepass"))


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget in the block once this process has used `seconds` of CPU time in it."""

    def over(signum: int, frame: FrameType | None) -> None:
        raise OverBudget(f"the call used more than {seconds:.3f} s of CPU time")

    previous = signal.signal(signal.SIGPROF, over)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def within_budget(text: str, call: Callable[[], T]) -> T:
    """`call()`, which reads `text`, failing the test when it is not linear in the text's size."""
    with cpu_budget(ceiling(text)):
        return call()
