"""Exit codes, and how a CcgrateError or a closed pipe becomes one."""

from __future__ import annotations

import os
import sys
from enum import IntEnum
from typing import Any

import click

from ccgrate._base.errors import CcgrateError, FrameworkError, UsageProblem


class ExitCode(IntEnum):
    """Documented in the README; scripts rely on these."""

    OK = 0
    DATA = 1  # bad or unreadable data file, or an output file that cannot be written
    USAGE = 2  # unknown option, bad choice, missing argument (click's own code)
    FRAMEWORK = 3  # invalid framework definition, or no framework for the data
    BELOW_THRESHOLD = 4  # a gate for scripts: --fail-below, --fail-if-worse
    INTERNAL = 70  # a bug in ccgrate
    INTERRUPTED = 130  # Ctrl-C


def exit_code_for(error: CcgrateError) -> ExitCode:
    if isinstance(error, FrameworkError):
        return ExitCode.FRAMEWORK
    if isinstance(error, UsageProblem):
        return ExitCode.USAGE
    return ExitCode.DATA


class UserError(click.ClickException):
    """A CcgrateError on its way out: one line on stderr and the documented exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click reads each error's own code


class CcgrateGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # in the order added: the main job first, not the alphabet's

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CcgrateError as error:
            raise UserError(str(error), exit_code_for(error)) from None
        except BrokenPipeError:
            # The reader went away (`ccgrate score big.csv -f csv | head -1`): that is its choice,
            # not an error of ours, so stop quietly with success.
            silence_stdout()
            raise click.exceptions.Exit(ExitCode.OK) from None


def silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's own flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file descriptor (a test runner's buffer)
        pass
    finally:
        os.close(devnull)
