"""Where bytes come from and go to: inputs read with a size limit, one output writer for every
command, and standard streams that may be closed (signals are _stop.py's).

Only the command line uses this module. Its promise is that ccgrate never damages what `-o`
points at: a device, FIFO or terminal is written in place, never replaced; a regular file (or
the target of a symbolic link) is replaced only by a complete, fsynced output, keeping its mode;
and no signal leaves a temporary file behind.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from ccgrate._base.errors import DataError, OutputError, UsageProblem
from ccgrate._base.signals import temporaries

# Inputs that are not regular files (a pipe, a FIFO, standard input) have no size to check in
# advance: reading stops here rather than when memory runs out. 4 GiB is far above any real
# national file (209 organisations x 60 indicators is 60 KB; a million rows is 0.4 GB).
DEFAULT_INPUT_LIMIT = 4 * 1024**3
INPUT_LIMIT_VARIABLE = "CCGRATE_MAX_INPUT_BYTES"
_CHUNK = 1 << 20

# Standard streams that were closed when ccgrate started (fd 1 or 2 given back as /dev/null).
_closed: set[int] = set()


# --- start-up -----------------------------------------------------------------------------------


def reserve_closed_streams() -> None:
    """A standard stream closed by the caller (`>&-`) gets /dev/null on its file descriptor.

    Otherwise the next file ccgrate opens would take descriptor 1 or 2 and messages meant for the
    terminal would land in it. Writing to such a stream is then refused, not silently dropped.
    """
    for fd, name in ((1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        devnull = os.open(os.devnull, os.O_WRONLY)
        if devnull != fd:
            os.dup2(devnull, fd)
            os.close(devnull)
        _closed.add(fd)
        setattr(sys, name, open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False))


def stream_closed(fd: int) -> bool:
    return fd in _closed


def mark_closed(fd: int) -> None:
    """A standard stream found not to take writes (its reader gone, a full disk): treated as closed."""
    _closed.add(fd)


# --- names ----------------------------------------------------------------------------------------


def shown_path(name: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path as it can be printed and stored in any output: bytes that are not UTF-8 as \\xNN."""
    text = os.fspath(name)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# --- inputs ---------------------------------------------------------------------------------------


def input_limit() -> int:
    text = os.environ.get(INPUT_LIMIT_VARIABLE, "")
    try:
        value = int(text)
    except ValueError:
        return DEFAULT_INPUT_LIMIT
    return value if value > 0 else DEFAULT_INPUT_LIMIT


# A framework is a page or two of TOML; anything this size is not one.
FRAMEWORK_LIMIT = 16 * 1024**2


class Globbed(str):
    """A file name that a quoted pattern matched, rather than one the user named."""


def expand_inputs(files: Iterable[str]) -> list[str]:
    """The files named, with a quoted glob expanded here (sorted); `-` stays standard input."""
    import glob

    names: list[str] = []
    for name in files:
        if name != "-" and not os.path.lexists(name) and glob.has_magic(name):
            matches = sorted(glob.glob(name))
            if not matches:
                raise DataError(
                    f"no file matches {shown_path(name)}", hint="check the pattern (quote it to let ccgrate expand it)"
                )
            names.extend(map(Globbed, matches))
            continue
        names.append(name)
    return names


def read_input(name: str) -> bytes:
    """The bytes of one data input: `-` is standard input. Devices are refused; streams are limited."""
    shown = "<stdin>" if name == "-" else shown_path(name)
    limit = input_limit()
    if name == "-" and sys.stdin is None:
        raise DataError("standard input is closed", where=shown, hint="give a file, or pipe data into -")
    try:
        raw = read_bounded(sys.stdin.buffer if name == "-" else name, limit)
    except NotReadable as problem:
        raise DataError(problem.message, where=shown, hint=problem.hint) from None
    except OSError as error:
        raise DataError(
            f"cannot read: {error.strerror or error}", where=shown, hint="check the path (use - to read standard input)"
        ) from None
    if raw is None:
        raise DataError(
            f"is larger than the input limit of {limit:,} bytes",
            where=shown,
            hint=f"split the file, or raise the limit with {INPUT_LIMIT_VARIABLE}",
        )
    return raw


class NotReadable(Exception):
    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message = message
        self.hint = hint


def read_bounded(source: str | os.PathLike[str] | IO[bytes], limit: int) -> bytes | None:
    """All the bytes of a file or open binary stream, or None if there are more than `limit`.

    A directory, a socket or a device (other than a terminal) raises NotReadable: /dev/zero never
    ends. A named pipe is read only when something is writing to it: opening one that nothing writes
    to would wait for ever. A pipe is read in chunks, so a stream that never ends stops at the limit.
    """
    if isinstance(source, (str, bytes, os.PathLike)):
        mode = os.stat(source).st_mode  # a missing file raises here, as open would
        if stat.S_ISDIR(mode):
            raise NotReadable("is a directory, not a file", "give the path of a file")
        if stat.S_ISSOCK(mode):
            raise NotReadable("is a socket, not a file", "give a regular file, a pipe or standard input")
        if stat.S_ISFIFO(mode):
            return _read_named_pipe(source, limit)
        with open(source, "rb") as handle:
            return read_bounded(handle, limit)
    try:
        info: os.stat_result | None = os.fstat(source.fileno())
    except (AttributeError, ValueError, io.UnsupportedOperation):
        info = None  # an in-memory stream (a test runner's stdin): no device, and finite
    if info is not None:
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            raise NotReadable("is a directory, not a file", "give the path of a file")
        if (stat.S_ISCHR(mode) and not source.isatty()) or stat.S_ISBLK(mode):
            raise NotReadable("is a device, not a file", "give a regular file, a pipe or standard input")
        if stat.S_ISREG(mode) and info.st_size > limit:
            return None
    chunks = []
    total = 0
    while True:
        chunk = source.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None
    return b"".join(chunks)


def _read_named_pipe(path: str | bytes | os.PathLike[str], limit: int) -> bytes | None:
    """A named pipe, read if a program is writing to it (process substitution, `<(gunzip -c x.gz)`,
    always is), refused at once if none is: opened without waiting, a pipe with no writer reads as
    its end straight away."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb", buffering=0) as handle:
        first: bytes | None = b""
        # A writer waiting for a reader is woken by this open, a moment later: a fifth of a second for it.
        for _ in range(10):
            try:
                first = os.read(fd, _CHUNK)
            except BlockingIOError:
                first = None  # a writer is there, with nothing written yet
            if first != b"":
                break
            time.sleep(0.02)
        if first == b"":
            raise NotReadable(
                "is a named pipe that nothing is writing to",
                "start the program that writes to it first, or give a regular file",
            )
        os.set_blocking(fd, True)
        rest = read_bounded(handle, limit - len(first or b""))
    return None if rest is None else (first or b"") + rest


# --- outputs --------------------------------------------------------------------------------------


def refuse_output_among_inputs(
    output: str | os.PathLike[str] | None, inputs: Iterable[str | os.PathLike[str] | None]
) -> None:
    """`-o` must not name a file the run reads (through any path or link): it would be destroyed."""
    if output is None or not os.path.exists(output):
        return
    for name in inputs:
        if name is None or os.fspath(name) in ("-", ""):
            continue
        try:
            same = os.path.samefile(output, name)
        except OSError:
            continue
        if same:
            raise UsageProblem(
                f"-o {shown_path(output)} is also an input of this run ({shown_path(name)})",
                hint="write the output to another file",
            )


def umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@contextmanager
def open_output(output: str | os.PathLike[str] | None, binary: bool = False) -> Iterator[IO[Any]]:
    """An open file for one output; what is written replaces `output` only if the block completes.

    - None: standard output (refused if the caller closed it).
    - An existing path that is not a regular file (a device such as /dev/null, a FIFO, a socket,
      a terminal): opened and written in place, never replaced.
    - A symbolic link: followed; its target is replaced and the link stays a link.
    - A regular file or a new name: written to a temporary file beside the resolved target,
      flushed, fsynced and renamed over it. A new file gets mode 0666 & ~umask; an existing one
      keeps its mode (and, where permitted, its owner).
    Failures (a full disk, a read-only directory) raise OutputError naming the file.
    """
    if output is None:
        yield from _standard_output(binary)
        return
    shown = shown_path(output)
    resolved = os.path.realpath(output)
    try:
        existing = os.stat(resolved)
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise _write_error(shown, error) from None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise OutputError("is a directory", where=shown, hint="give a file name for -o")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        yield from _in_place(resolved, shown, binary)
        return
    yield from _replacing(resolved, shown, existing, binary)


def _standard_output(binary: bool) -> Iterator[IO[Any]]:
    if stream_closed(1) or sys.stdout is None:
        raise OutputError("standard output is closed", hint="give -o FILE, or leave standard output open")
    stream = sys.stdout.buffer if binary else sys.stdout
    try:
        yield stream
        stream.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise OutputError(f"cannot write to standard output: {error.strerror or error}") from None


def _in_place(resolved: str, shown: str, binary: bool) -> Iterator[IO[Any]]:
    try:
        handle: IO[Any] = open(resolved, "wb") if binary else open(resolved, "w", encoding="utf-8", newline="")
    except OSError as error:
        raise _write_error(shown, error) from None
    try:
        with handle:
            yield handle
            handle.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise _write_error(shown, error) from None


def _replacing(resolved: str, shown: str, existing: os.stat_result | None, binary: bool) -> Iterator[IO[Any]]:
    directory, base = os.path.split(resolved)
    temporary = os.path.join(directory or ".", f".{base}.{os.getpid()}.{os.urandom(6).hex()}.ccgrate-tmp")
    temporaries.add(temporary)  # before it exists: a signal from here on removes it
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as error:
        temporaries.discard(temporary)
        raise _write_error(shown, error) from None
    try:
        try:
            if existing is not None:
                os.fchmod(fd, stat.S_IMODE(existing.st_mode))
                if os.geteuid() == 0:
                    os.fchown(fd, existing.st_uid, existing.st_gid)
            else:
                os.fchmod(fd, 0o666 & ~umask())
            handle: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        except OSError as error:
            os.close(fd)
            raise _write_error(shown, error) from None
        try:
            with handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, resolved)
        except OSError as error:
            raise _write_error(shown, error) from None
        _sync_directory(directory or ".")
    finally:
        if os.path.lexists(temporary):
            try:
                os.unlink(temporary)
            except OSError:
                pass
        temporaries.discard(temporary)


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable; some file systems cannot, and that is not an error."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_error(shown: str, error: OSError) -> OutputError:
    reason = error.strerror or str(error)
    hints = {
        errno.ENOSPC: "free some space or write elsewhere",
        errno.EDQUOT: "free some space or write elsewhere",
        errno.EACCES: "check the permissions of the file and its directory",
        errno.EPERM: "check the permissions of the file and its directory",
        errno.EROFS: "write to a writable file system",
        errno.ENOENT: "check that the directory exists",
        errno.ENOTDIR: "check that the directory exists",
    }
    return OutputError(
        f"cannot write: {reason}", where=shown, hint=hints.get(error.errno or 0, "check the path given to -o")
    )


def write_text(text: str | Iterable[str], output: str | os.PathLike[str] | None) -> None:
    """Text, or text in pieces as a renderer makes them (never joined whole in memory)."""
    with open_output(output) as handle:
        if isinstance(text, str):
            handle.write(text)
        else:
            for piece in text:
                handle.write(piece)
