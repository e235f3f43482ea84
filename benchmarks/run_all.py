"""Runs every benchmark script in this folder, one after another, each in its own process (one thread's figures are
not disturbed by what an earlier script left behind). Prints figures; never fails on speed, only when a script
itself breaks (then the exit status is 1, after the others have run).

The browser benchmarks (live_view.py, classroom.py, server_capacity.py) need playwright and Chromium, which
`make test` installs; without them they are skipped with a note.

Run: .venv/bin/python benchmarks/run_all.py [--quick] [script …]   (or `make bench`)
     --quick: fewer repeats and smaller cases, a check that everything runs (minutes, not tens of minutes)
     script: only these, e.g. `playground builder`
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BROWSER = {"live_view.py", "classroom.py", "server_capacity.py"}  # server_capacity: one browser, to record
# What a script takes for a quick run when it does not parse its flags with _timing.arguments (those take --quick).
QUICK = {"limits.py": ["--only", "mlp"]}  # one family


def scripts(names: list[str]) -> list[Path]:
    found = [p for p in sorted(HERE.glob("[!_]*.py")) if p.name != Path(__file__).name]
    if not names:
        return found
    wanted = {name if name.endswith(".py") else f"{name}.py" for name in names}
    unknown = wanted - {p.name for p in found}
    if unknown:
        raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))} (choose from "
                         f"{', '.join(p.stem for p in found)})")
    return [p for p in found if p.name in wanted]


def quick_arguments(script: Path) -> list[str]:
    if script.name in QUICK:
        return QUICK[script.name]
    return ["--quick"] if "arguments(__doc__" in script.read_text() else []


def browser_missing() -> str | None:
    """Why the browser benchmarks cannot run here, or None."""
    from live_view import CHROMIUM

    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (`make test` installs it)"
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"Chromium is not at {CHROMIUM} (`make test` installs Debian's chromium)"
    return None


def run(command: list[str]) -> int:
    """Runs one script and waits for it. On Ctrl-C (which reaches the script too) or SIGTERM (passed on to it) the
    script is given time to stop the server and the browser it started, rather than being killed at once."""
    process = subprocess.Popen(command, cwd=HERE.parent)

    def stop(*_) -> None:
        process.terminate()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        return process.wait()
    except KeyboardInterrupt:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def main() -> None:
    parser = argparse.ArgumentParser(description="Runs every benchmark script.")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller cases")
    parser.add_argument("names", nargs="*", help="only these scripts")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    missing = browser_missing()
    failed, began = [], time.monotonic()
    for script in scripts(args.names):
        print(f"\n===== {script.name} =====", flush=True)
        if script.name in BROWSER and missing:
            print(f"skipped: {missing}", flush=True)
            continue
        start = time.monotonic()
        status = run([sys.executable, str(script), *(quick_arguments(script) if args.quick else [])])
        print(f"({script.name}: {time.monotonic() - start:,.0f} s)", flush=True)
        if status != 0:
            failed.append(f"{script.name} (exit status {status})")
    print(f"\n===== {time.monotonic() - began:,.0f} s in all" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("\ninterrupted")
