"""Heavy jobs take turns: bounded, first come first served, reentrant, and a waiting job can leave."""

import threading
import time

import pytest

from dl_core.jobs import Busy, Turns


def hold(turns: Turns, started: threading.Event, release: threading.Event, log: list, name: str) -> threading.Thread:
    def job():
        with turns.turn():
            log.append(name)
            started.set()
            release.wait(5)

    thread = threading.Thread(target=job, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("at_once", [1, 2])
def test_no_more_than_at_once_jobs_run_and_the_rest_start_in_the_order_they_asked(at_once):
    turns = Turns(at_once)
    running, most, order, lock = [0], [0], [], threading.Lock()
    gate = threading.Event()

    def job(name):
        with turns.turn(poll=0.01):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
                order.append(name)
            gate.wait(5)
            time.sleep(0.01)
            with lock:
                running[0] -= 1

    threads = []
    for name in range(6):
        threads.append(threading.Thread(target=job, args=(name,), daemon=True))
        threads[-1].start()
        while turns.running + turns.waiting < name + 1:  # each one queued before the next asks
            time.sleep(0.001)
    assert turns.running == at_once and turns.waiting == 6 - at_once
    gate.set()
    for t in threads:
        t.join(5)
    assert most[0] == at_once
    if at_once == 1:
        assert order == list(range(6))
    else:  # two let in at once may log in either order; the first two to ask ran first
        assert set(order[:2]) == {0, 1} and sorted(order) == list(range(6))
    assert turns.running == 0 and turns.waiting == 0 and turns.waited == 6 - at_once


def test_a_waiting_job_hears_how_many_are_ahead_and_can_leave_the_queue():
    turns = Turns(1)
    started, release, log = threading.Event(), threading.Event(), []
    holder = hold(turns, started, release, log, "first")
    started.wait(5)
    heard = []

    class Stopped(Exception):
        pass

    def waiting(ahead):
        heard.append(ahead)
        if len(heard) == 3:
            raise Stopped  # the learner left the page: Streamlit stops the script at its next element call

    with pytest.raises(Stopped):
        with turns.turn(waiting, poll=0.01):
            log.append("never")
    assert heard == [1, 1, 1] and turns.waiting == 0
    release.set()
    holder.join(5)
    with turns.turn(waiting, poll=0.01):  # the queue still works: nothing is ahead now
        log.append("second")
    assert log == ["first", "second"] and len(heard) == 3


def test_an_exception_in_the_job_gives_the_turn_back():
    turns = Turns(1)
    with pytest.raises(ZeroDivisionError):
        with turns.turn():
            raise ZeroDivisionError
    assert turns.running == 0
    with turns.turn(wait=False):
        assert turns.running == 1


def test_without_waiting_a_busy_server_says_busy_and_a_thread_with_a_turn_may_ask_again():
    turns = Turns(1)
    started, release, log = threading.Event(), threading.Event(), []
    holder = hold(turns, started, release, log, "other")
    started.wait(5)
    with pytest.raises(Busy):
        with turns.turn(wait=False):
            pass
    assert turns.waiting == 0
    release.set()
    holder.join(5)
    with turns.turn():
        with turns.turn(wait=False):  # a cached part of this job: the same turn
            with turns.turn():
                assert turns.running == 1
    assert turns.running == 0


def test_at_once_must_be_positive():
    with pytest.raises(ValueError):
        Turns(0)
