"""Classroom mode's seal: a teacher's link hides and locks controls, and a seal (an HMAC with the server's
secret) shows that the hidden and locked settings are the ones the teacher chose. A learner can still
open the app without the link; what they cannot do is keep the teacher's look while changing a locked value.

The secret comes from ``DL_LAB_SECRET`` (replicas share it through the environment) or, by default, a
random file created on first use in the data folder (``DL_LAB_DATA_DIR``, default ``.dl-lab``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SEAL_LENGTH = 16  # hex characters: 64 bits, enough against guessing one link


def data_dir() -> Path:
    return Path(os.environ.get("DL_LAB_DATA_DIR", ".dl-lab"))


def server_secret() -> bytes:
    """The server's secret for seals: the environment's, or a file made once with a random value."""
    from_env = os.environ.get("DL_LAB_SECRET")
    if from_env:
        return from_env.encode()
    path = data_dir() / "secret"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # only the first process writes it
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _message(kind: str, hide: frozenset[str], lock: frozenset[str], locked: dict[str, str]) -> bytes:
    parts = [kind, ",".join(sorted(hide)), ",".join(sorted(lock))]
    parts += [f"{key}={locked[key]}" for key in sorted(locked)]
    return "\n".join(parts).encode()


def seal(kind: str, hide: frozenset[str], lock: frozenset[str], locked: dict[str, str],
         secret: bytes | None = None) -> str:
    """The seal of a teacher's choice: which fields are hidden and locked, and the locked fields' values."""
    digest = hmac.new(secret or server_secret(), _message(kind, hide, lock, locked), hashlib.sha256).hexdigest()
    return digest[:SEAL_LENGTH]


def sealed(kind: str, hide: frozenset[str], lock: frozenset[str], locked: dict[str, str], given: str,
           secret: bytes | None = None) -> bool:
    return hmac.compare_digest(seal(kind, hide, lock, locked, secret), str(given)[:SEAL_LENGTH * 2])
