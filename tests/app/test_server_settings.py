"""The server settings the app relies on (.streamlit/config.toml), each for a reason found the hard way."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


def test_no_learner_ever_sees_a_traceback_or_the_servers_paths():
    assert CONFIG["client"]["showErrorDetails"] == "none"


def test_one_session_never_runs_two_scripts_at_once():
    """With fast reruns a rerun starts while the last run may still be inside trainer.step(): two threads then
    trained one model and corrupted the heap, killing the server for everyone."""
    assert CONFIG["runner"]["fastReruns"] is False


def test_a_dropped_connection_keeps_its_run_for_ten_minutes_then_frees_it():
    assert CONFIG["server"]["disconnectedSessionTTL"] == 600


def test_uploads_are_capped_before_the_core_reads_them():
    assert CONFIG["server"]["maxUploadSize"] == 1  # MB: a CSV of 1 MB at most, checked again in dl_core


def test_no_full_garbage_collection_after_every_run():
    assert CONFIG["runner"]["postScriptGC"] is False  # ~250 ms a run with torch loaded: most of a live tick
