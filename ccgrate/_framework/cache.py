"""Validated frameworks kept between runs, so that a run does not validate the same file again.

Validating a framework means building pydantic's validators for every model (tens of ms), which is
most of a one-organisation run. A framework is a pure function of its file's bytes and of the code
that validates it, so the validated object is kept under the sha256 of the bytes and a tag of that
code (ccgrate's version, Python's and pydantic's, and the size and time of the modules that define
and check frameworks, so that an edited checkout never reads an old entry). A file that changes by
one byte is a new key, and is validated completely.

Entries are pickles, which run code when read: one is read only when it is a regular file owned by
this user in a directory owned by this user, neither writable by anyone else. Entries are written
to a temporary file and renamed into place, so concurrent runs never read half an entry. A cache
that cannot be read or written (a read-only home, a full disk) is skipped in silence: it only ever
saves time. CCGRATE_NO_CACHE=1 turns it off; CCGRATE_CACHE_DIR moves it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ccgrate._base.shipped import PACKAGE
from ccgrate._base.signals import temporaries

if TYPE_CHECKING:
    from ccgrate._framework.model import Framework


# The code that validates a framework and defines what a cached one is, relative to the package.
_MODULES = (
    "_framework/fields.py",
    "_framework/indicators.py",
    "_framework/model.py",
    "_framework/checks.py",
    "_framework/loader.py",
    "_framework/cache.py",
    "_base/decimals.py",
    "_base/vocabulary.py",
)


def cache_dir() -> Path | None:
    if os.environ.get("CCGRATE_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("CCGRATE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ccgrate" / "frameworks"


def _tag() -> str:
    import pydantic_core

    from ccgrate import __version__

    here = PACKAGE
    parts = [__version__, sys.version, pydantic_core.__version__]
    for name in _MODULES:
        try:
            found = (here / name).stat()
            parts.append(f"{name}:{found.st_size}:{found.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}:?")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _entry(raw: bytes) -> Path | None:
    directory = cache_dir()
    if directory is None:
        return None
    return directory / f"{hashlib.sha256(raw).hexdigest()}-{_tag()}.pickle"


def _private(found: os.stat_result) -> bool:
    return found.st_uid == os.geteuid() and not found.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def load(raw: bytes) -> Framework | None:
    """The framework validated from these bytes before, or None."""
    try:
        entry = _entry(raw)
        if entry is None or not _private(os.stat(entry.parent)):
            return None
        fd = os.open(entry, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            found = os.fstat(handle.fileno())
            if not stat.S_ISREG(found.st_mode) or not _private(found):
                return None
            framework = pickle.load(handle)
    except Exception:  # a damaged or foreign entry is a cache miss, never a failure
        return None
    from ccgrate._framework.model import Framework

    return framework if isinstance(framework, Framework) else None


def store(raw: bytes, framework: Framework) -> None:
    """Keep a framework just validated from these bytes (before anything used it)."""
    try:
        entry = _entry(raw)
        if entry is None:
            return
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(os.stat(entry.parent)):
            return
        fd, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".", suffix=".tmp")
        temporaries.add(temporary)  # a signal from here on removes it
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(framework, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, entry)
        except BaseException:
            os.unlink(temporary)
            raise
        finally:
            temporaries.discard(temporary)
    except Exception:
        return
