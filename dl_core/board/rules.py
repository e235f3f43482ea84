"""What the class board accepts, checked before anything touches the database.

Everything here is untrusted text typed by a learner or carried in a link. Each check either
returns the cleaned value or raises ``BadInput`` with a sentence that names the field and its
limit. Messages never repeat what was typed: a page shows them with Streamlit, which renders
markdown, and typed text must only ever be shown as text.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata

import numpy as np

from ..errors import Refusal

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by children
CODE_LENGTH = 6
CLASS_NAME_MAX = 60
NICKNAME_MIN, NICKNAME_MAX = 2, 20
NICKNAME_PUNCTUATION = " -_.'"
CHECK_MAX = 80
RUN_LINK_MAX = 2000  # the default Playground and Builder links are ~250 and ~300 characters
SECRET_MAX = 100  # longer than any token we hand out; refuses megabyte "secrets" before hashing them

_CHECK = re.compile(r"[a-z0-9][a-z0-9_./-]*")
# What urlencode writes: no spaces, quotes, brackets or parentheses, so even markdown cannot make it more than a link.
_LINK_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~/?#&=%+,]+")


class Refused(Refusal):
    """The board said no; the message is a sentence to show the learner or teacher as it is."""


class BadInput(Refused):
    """Typed or linked text that breaks a rule; the message names the field and the limit."""


def _one_line(raw: object, field: str, least: int, most: int) -> str:
    """Text on one line, NFC-normalised (so "é" typed two ways is one nickname), whitespace runs as one space,
    with a length between ``least`` and ``most``."""
    if not isinstance(raw, str):
        raise BadInput(f"{field} must be text.")
    text = raw if len(raw) > 4 * most + 100 else " ".join(unicodedata.normalize("NFC", raw).split())  # never a MB
    if not least <= len(text) <= most:
        raise BadInput(f"{field} must be {least} to {most} characters (it has {len(text)}).")
    return text


def class_name(raw: object) -> str:
    """A class's name as the teacher typed it: 1 to 60 printable characters."""
    name = _one_line(raw, "Class name", 1, CLASS_NAME_MAX)
    if not name.isprintable():
        raise BadInput("Class name must be printable characters only (no control or formatting characters).")
    return name


def class_code(raw: object) -> str:
    """A class code as a learner typed it: spaces and dashes dropped, upper-cased, then exactly checked."""
    if not isinstance(raw, str):
        raise BadInput("Class code must be text.")
    code = "".join(ch for ch in raw if ch not in " -\t").upper()
    if len(code) != CODE_LENGTH:
        raise BadInput(f"Class code must be {CODE_LENGTH} letters and digits (it has {len(code)}).")
    if any(ch not in CODE_ALPHABET for ch in code):
        raise BadInput(f"Class code uses only the letters and digits {CODE_ALPHABET} "
                       "(no 0, O, 1, I or L): check it with your teacher.")
    return code


def nickname(raw: object) -> str:
    """A learner's nickname: 2 to 20 letters (any alphabet), digits, spaces or - _ . ' , starting with a letter
    or digit. The board keeps nothing else about a learner."""
    name = _one_line(raw, "Nickname", NICKNAME_MIN, NICKNAME_MAX)
    if not name[0].isalnum() or any(not (ch.isalnum() or ch in NICKNAME_PUNCTUATION) for ch in name):
        raise BadInput(f"Nickname may use letters, digits, spaces and {' '.join(NICKNAME_PUNCTUATION.strip())} "
                       "and must start with a letter or digit.")
    return name


def nickname_key(name: str) -> str:
    """What makes two nicknames the same in one class: "Ada" and "ada" are one learner's name."""
    return name.casefold()


def check_name(raw: object) -> str:
    """Which lesson check or challenge a result is for, e.g. ``first-boundary/accuracy``: 1 to 80 characters,
    lower-case letters, digits and - _ . / ."""
    if not isinstance(raw, str):
        raise BadInput("Check must be text.")
    if not 1 <= len(raw) <= CHECK_MAX:
        raise BadInput(f"Check must be 1 to {CHECK_MAX} characters (it has {len(raw)}).")
    if not _CHECK.fullmatch(raw):
        raise BadInput("Check may use lower-case letters, digits and - _ . / only, starting with a letter or digit.")
    return raw


def figure(raw: object) -> float:
    """The number a check measured (an accuracy, a loss): any finite number."""
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):  # numbers.Real: numpy's floats too
        raise BadInput("Figure must be a number.")
    try:
        value = float(raw)
    except OverflowError:  # an int beyond any float
        value = math.inf
    if not math.isfinite(value):
        raise BadInput("Figure must be a finite number (not infinite or NaN).")
    return value


def run_link(raw: object) -> str | None:
    """A link to reopen the run, relative to the app (``/Playground?kind=playground&…``), or None.

    Only links into this app: no scheme, no host, no ``//`` (which a browser reads as another host),
    no backslashes, only the characters ``urlencode`` writes, at most 2,000 of them."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise BadInput("Run link must be text.")
    if len(raw) > RUN_LINK_MAX:
        raise BadInput(f"Run link must be at most {RUN_LINK_MAX} characters (it has {len(raw)}).")
    # A leading single / and no colon: no scheme (javascript:, https:) and no host can be in it.
    if not raw.startswith("/") or raw.startswith("//") or not _LINK_CHARACTERS.fullmatch(raw):
        raise BadInput("Run link must be a link inside this app, starting with a single / "
                       "(letters, digits and - . _ ~ / ? # & = % + , only).")
    return raw


def flag(raw: object, field: str) -> bool:
    """A yes-or-no field (whether a check was passed): True or False, numpy's booleans too; never 0, 1 or "yes"."""
    if not isinstance(raw, (bool, np.bool_)):
        raise BadInput(f"{field} must be true or false.")
    return bool(raw)


def secret(raw: object, field: str) -> str:
    """A token or teacher secret as it came from a link: text of a sane length (its value is checked by hash)."""
    if not isinstance(raw, str) or not 1 <= len(raw) <= SECRET_MAX:
        raise BadInput(f"{field} must be the text from your link, at most {SECRET_MAX} characters.")
    return raw
