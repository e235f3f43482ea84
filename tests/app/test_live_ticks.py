"""The live loop's ticks as a server runs them: many sessions (threads of one process) playing at once."""

import threading
import time
from types import SimpleNamespace

from ui import live


class SlowTrainer:
    """A trainer whose steps take a while, and which notes how many threads were inside ``step`` at once."""

    inside = 0
    most = 0
    guard = threading.Lock()

    def __init__(self) -> None:
        self.diverged = ""
        self.steps = 0

    def step(self, n: int) -> int:
        with SlowTrainer.guard:
            SlowTrainer.inside += 1
            SlowTrainer.most = max(SlowTrainer.most, SlowTrainer.inside)
        time.sleep(0.02)
        self.steps += n
        with SlowTrainer.guard:
            SlowTrainer.inside -= 1
        return n


def playing() -> SimpleNamespace:
    run = SimpleNamespace(trainer=SlowTrainer(), spec=SimpleNamespace(view=SimpleNamespace(speed=1500)))
    return SimpleNamespace(run=run, playing=True, last_tick=time.monotonic() - 0.2)


def test_sessions_playing_at_once_train_one_at_a_time_and_every_one_trains():
    """Threads that train tiny networks at once hand the interpreter to each other at every tensor operation,
    which costs more than the steps: the live loop lets one session train at a time."""
    entries = [playing() for _ in range(6)]
    threads = [threading.Thread(target=lambda e=e: [live.tick([e], 0.2) for _ in range(3)]) for e in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert SlowTrainer.most == 1, "two sessions trained at the same time"
    assert all(e.run.trainer.steps > 0 for e in entries)


def test_a_tick_in_parts_trains_its_steps_evenly_and_yields_after_each_chunk():
    entry = playing()
    entry.last_tick = time.monotonic() - 0.1  # 150 steps due at 1,500 a second
    seen = [entry.run.trainer.steps for _ in live.tick_in_parts([entry], 0.2, parts=4)]
    assert len(seen) == 4 and seen == sorted(seen) and seen[0] > 0
    chunks = [b - a for a, b in zip([0] + seen, seen)]
    assert max(chunks) - min(chunks) <= 1


def test_live_views_tick_less_often_when_many_learners_play_on_one_server(monkeypatch):
    monkeypatch.setattr(live, "_ticked", {})
    assert live.paced(0.2) == 0.2, "nobody else plays: the view's own pace"
    learners = [playing() for _ in range(4 * live.LEARNERS_AT_FULL_PACE)]
    for entry in learners[:live.LEARNERS_AT_FULL_PACE]:
        live.tick([entry], 0.2)
    assert live.paced(0.2) == 0.2, "a handful: still their own pace"
    for entry in learners:
        live.tick([entry], 0.2)
    assert live.paced(0.2) == 0.8, "four times as many learners: a tick a quarter as often"
    monkeypatch.setattr(live.time, "monotonic", lambda: time.perf_counter() + 1e6)
    assert live.paced(0.2) == 0.2, "learners who stopped ticking (paused, gone) no longer count"
