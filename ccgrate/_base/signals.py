"""The signal handler of the command line, in a module that imports only what Python has already
loaded at start-up, so that it can be in place a few milliseconds after Python starts (entry.py).

A signal does not unwind the run (an exception raised from a signal handler can land in a
callback where Python only prints it, and the signal is lost): the handler removes every
temporary output file registered here, restores the terminal's cursor if a progress display hid
it, and ends the process at once: exit 130 after Ctrl-C, otherwise by the same signal again, so
that whoever sent it sees the process die of it.
"""

import os
import sys

# Temporary output files that exist now or are about to: names are added before the file is
# created, so that no moment exists in which a file is on disk but unknown here.
temporaries: set[str] = set()
# A progress display is on the terminal (rich hides the cursor while it runs).
cursor_hidden = [False]


def stop(signum: int, _frame: object) -> None:
    import signal

    for other in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)
    for name in list(temporaries):
        try:
            os.unlink(name)
        except OSError:
            pass
    message = b"\x1b[?25h\n" if cursor_hidden[0] else b""
    if signum == signal.SIGINT:
        message += b"ccgrate: interrupted\n"
    if message:
        try:
            os.write(2, message)
        except OSError:
            pass
    if signum == signal.SIGINT:
        os._exit(130)
    try:
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):
        pass
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)
