"""The live loop's ticks as a server runs them: many sessions (threads of one process) playing at once."""

import threading
import time
from types import SimpleNamespace

from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

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
    monkeypatch.setattr(live, "TICK_PARTS", 1)  # 32 slow ticks inside the two seconds a view counts as ticking
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


def states(**value) -> WidgetStates:
    """One widget's state, as a browser sends it."""
    widgets = WidgetStates()
    widgets.widgets.add(id="view", **value)
    return widgets


def pending(**rerun) -> SimpleNamespace:
    """A session's context as Streamlit's script thread sees it, with a rerun asked for (Streamlit's own
    ScriptRequests, so that a change in how it keeps requests fails here)."""
    requests = ScriptRequests()
    if rerun:
        assert requests.request_rerun(RerunData(**rerun))
    return SimpleNamespace(script_requests=requests)


def test_a_click_during_a_tick_ends_the_tick_after_the_part_it_trains(monkeypatch):
    """Streamlit holds a click (Pause, an edit) until the running fragment ends: a tick stops at its next part,
    so that Pause stops the steps in a part's time rather than a tick's."""
    context = [pending()]
    monkeypatch.setattr(live, "get_script_run_ctx", lambda **_: context[0])
    entry = playing()
    entry.last_tick = time.monotonic() - 0.1  # 150 steps due
    seen = []
    for _ in live.tick_in_parts([entry], 0.2, parts=4):
        seen.append(entry.run.trainer.steps)
        context[0] = pending(fragment_id="view", widget_states=None)  # the learner clicks during the first part
    assert len(seen) == 1 and 0 < seen[0] < 150, "the tick went on training after the click"


def test_the_live_views_own_timer_does_not_cut_a_tick_short(monkeypatch):
    monkeypatch.setattr(live, "get_script_run_ctx", lambda **_: pending(fragment_id="view", is_auto_rerun=True))
    entry = playing()
    entry.last_tick = time.monotonic() - 0.1
    assert len(list(live.tick_in_parts([entry], 0.2, parts=4))) == 4
    assert not live.asked_meanwhile()


def test_nothing_asked_outside_a_session_or_when_nothing_is_pending(monkeypatch):
    monkeypatch.setattr(live, "get_script_run_ctx", lambda **_: None)
    assert not live.asked_meanwhile()
    monkeypatch.setattr(live, "get_script_run_ctx", lambda **_: pending())
    assert not live.asked_meanwhile()
    monkeypatch.setattr(live, "get_script_run_ctx", lambda **_: pending(fragment_id="view"))
    assert live.asked_meanwhile()


def test_a_click_followed_by_the_timers_rerun_still_counts(monkeypatch):
    """Streamlit folds requests that wait together into one, marked as the timer's when the timer's came last;
    the click's trigger is still among its widget states."""
    context = pending(fragment_id="view", widget_states=states(json_trigger_value='{"command": "pause"}'))
    assert context.script_requests.request_rerun(RerunData(fragment_id="view", is_auto_rerun=True))
    monkeypatch.setattr(live, "get_script_run_ctx", lambda **_: context)
    assert live.asked_meanwhile()
    monkeypatch.setattr(live, "get_script_run_ctx",
                        lambda **_: pending(fragment_id="view", is_auto_rerun=True, widget_states=states(int_value=3)))
    assert not live.asked_meanwhile(), "a widget's value is not a click"


def test_a_view_that_lost_a_frame_gets_everything_in_the_next(monkeypatch):
    """Streamlit can drop a busy server's unsent frame; the view (live_view.js) then sends "resync", and the next
    frame carries the network's layout and the whole curve again, not only what came since the lost one."""
    from dl_core import PlaygroundSpec, make_run
    from dl_core.analyses.frames import FrameLog
    from dl_core.analyses.live_frames import decode, playground_frame

    run = make_run(PlaygroundSpec())
    entry = SimpleNamespace(run=run, frames=FrameLog(), playing=True)
    monkeypatch.setattr(live.state, "live", lambda slot: entry)
    playground_frame(run, entry.frames)
    run.trainer.step(5)
    header, _ = decode(playground_frame(run, entry.frames))
    assert "static" not in header and header["history_from"] > 0, "a frame after the first carries only news"
    live.apply_command("playground", "resync")
    header, arrays = decode(playground_frame(run, entry.frames))
    assert "static" in header and header["history_from"] == 0
    assert arrays["history"][0].tolist() == [float(s) for s in run.trainer.history.step], "the whole curve again"


def test_a_tick_with_the_next_run_waiting_lets_its_frame_leave_first(monkeypatch):
    """Streamlit drops a fragment's unsent messages when its next run starts: a tick that ends with the next run
    already asked for waits a moment (sleeping, no CPU) so that its frame leaves; otherwise it goes on at once."""
    slept = []
    monkeypatch.setattr(live.time, "sleep", slept.append)
    monkeypatch.setattr(live, "get_script_run_ctx", lambda **_: pending())
    live.let_the_frame_go()
    assert slept == []
    monkeypatch.setattr(live, "get_script_run_ctx", lambda **_: pending(fragment_id="view", is_auto_rerun=True))
    live.let_the_frame_go()
    assert slept == [live.FLUSH_SECONDS]
