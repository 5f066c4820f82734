"""Agent turn cost against thread length: does a turn get slower as the thread grows?

A ``ChatKitWidget.from_agent`` chat (headless, ``MemoryStore``, the offline model, so no
network and a reply of constant size) takes 1,000 turns in one thread. Each turn's kernel
cost is the CPU time of ``await chat.send(...)``: the ChatKit request, the store, the
history sent to the model, the stream applied to the chat's state. Wall time is printed
too but is noisy on a shared machine.

Printed: the median per-turn cost around turn 100 and around turn 1,000 and their ratio
(the limit, issue 9: ≤ 1.2), for the default history window (``history_limit``) — and,
as the baseline in the same run, the same turns with the whole thread sent every turn
(``history_limit=None``, 400 turns: it grows, so 1,000 would take long).

Run: ``python -m benchmarks.bench_agent_turns`` from the repository root (≈ 1 min).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time

from agents import Agent

from chatkit_widget import ChatKitWidget
from chatkit_widget.limits import DEFAULT_HISTORY_LIMIT
from chatkit_widget.models import OfflineModel

LIMIT = 1.2
WINDOW = 25  # turns on each side of a mark: medians, not single noisy turns


async def run(turns: int, history_limit: int | None) -> list[tuple[float, float]]:
    """(cpu seconds, wall seconds) of each turn."""
    agent = Agent(name="Assistant", instructions="Be brief.", model=OfflineModel())
    chat = ChatKitWidget.from_agent(agent, history_limit=history_limit)
    costs: list[tuple[float, float]] = []
    for n in range(1, turns + 1):
        cpu, wall = time.process_time(), time.perf_counter()
        turn = await chat.send(f"Message number {n}: tell me something.")
        costs.append((time.process_time() - cpu, time.perf_counter() - wall))
        if not turn.ok:
            raise RuntimeError(f"turn {n} failed: {turn.error}")
    return costs


def around(costs: list[tuple[float, float]], turn: int) -> tuple[float, float]:
    """Median (cpu, wall) milliseconds of the turns around ``turn`` (1-based)."""
    window = costs[max(0, turn - WINDOW) : min(len(costs), turn + WINDOW)]
    return (
        statistics.median(c for c, _ in window) * 1000,
        statistics.median(w for _, w in window) * 1000,
    )


def report(name: str, costs: list[tuple[float, float]], marks: tuple[int, int]) -> float:
    early, late = (around(costs, mark) for mark in marks)
    ratio = late[0] / early[0]
    print(
        f"{name:<34} turn {marks[0]:>5}: {early[0]:6.2f} ms cpu ({early[1]:6.2f} wall)   "
        f"turn {marks[1]:>5}: {late[0]:6.2f} ms cpu ({late[1]:6.2f} wall)   ratio {ratio:.2f}"
    )
    return ratio


async def main() -> int:
    os.environ.pop("OPENAI_API_KEY", None)  # offline: the model and titles stay local
    bounded = await run(1_000, DEFAULT_HISTORY_LIMIT)
    unbounded = await run(400, None)
    print(
        f"per-turn kernel cost, from_agent + MemoryStore + offline model (median of "
        f"{2 * WINDOW} turns around each mark)"
    )
    ratio = report(f"history_limit={DEFAULT_HISTORY_LIMIT} (default)", bounded, (100, 1_000))
    report("baseline: history_limit=None", unbounded, (100, 400))
    verdict = "PASS" if ratio <= LIMIT else "FAIL"
    print(f"{verdict}: turn 1,000 / turn 100 = {ratio:.2f} (limit {LIMIT})")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
