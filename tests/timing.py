"""How tests bound time: an upper bound shows that a limit *ended* the work, never how
fast it did (speed is measured by the scripts under bench/, as ratios, on a quiet
machine).

A bound is therefore the limit plus ``SLACK``: enough for a machine under load (the
suite runs in parallel, and CI shares its cores) to start a process, switch threads and
close sockets, yet far below what the unbounded work would take (a server that never
answers, a trickle without end, an answer that takes minutes to build). Tests whose
unbounded work is short show the stop another way, by how far the work got.
"""

from __future__ import annotations

#: Seconds a loaded machine may add to a limit before the work is seen to stop.
SLACK = 3.0


def within(limit: float) -> float:
    """The most a piece of work stopped by ``limit`` seconds may take, seen from a test."""
    return limit + SLACK
