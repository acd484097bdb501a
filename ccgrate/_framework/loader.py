"""Load framework files: TOML syntax, then shape (pydantic), then cross-references.

Also the registry of built-in frameworks, which ship inside the package.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ccgrate._base.errors import FrameworkError
from ccgrate._base.shipped import shipped

if TYPE_CHECKING:
    from pydantic import ValidationError

    from ccgrate._framework.model import Framework

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
# tomllib's wording for the commonest slips, said the way an author would look for them.
_TOML_WORDS = {
    "Illegal character '\\n'": "a string is not closed before the end of the line (a missing quote?)",
    "Cannot overwrite a value": "a key is given twice",
}


def builtin_dir() -> Path:
    """The directory of the built-in framework files."""
    return shipped("frameworks")


# From the [framework] header to the next table header (a line starting with "["), or the end.
_FRAMEWORK_TABLE = re.compile(r"(?ms)^\[framework\][ \t]*$.*?(?=^\[|\Z)")


@dataclass(frozen=True)
class BuiltinEntry:
    id: str
    name: str
    period: str
    path: Path
    quarterly: bool = False
    chosen_by_period: bool = True


@lru_cache(maxsize=1)
def builtins() -> tuple[BuiltinEntry, ...]:
    """The built-in frameworks, by period. Reads only each file's [framework] table."""
    entries = []
    for path in sorted(builtin_dir().glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        # The [framework] table alone: the rest (tens of KB of indicators) is read only when used.
        section = _FRAMEWORK_TABLE.search(text)
        try:
            meta = tomllib.loads(section.group(0)).get("framework", {}) if section else {}
        except tomllib.TOMLDecodeError:  # a multi-line string with a line that starts with "["
            meta = {}
        if not {"id", "name", "period"} <= meta.keys():
            meta = tomllib.loads(text).get("framework", {})
        entries.append(
            BuiltinEntry(
                meta["id"],
                meta["name"],
                meta["period"],
                path,
                bool(meta.get("quarterly", False)),
                bool(meta.get("chosen_by_period", True)),
            )
        )
    return tuple(sorted(entries, key=lambda e: (e.period, e.id)))


def builtin_frameworks() -> list[Framework]:
    """Every built-in framework, loaded and validated, by period."""
    return [load_framework(entry.path, origin=f"builtin:{entry.id}") for entry in builtins()]


def builtin_for_period(period: str) -> BuiltinEntry | None:
    """The built-in chosen for data of a period (a year, or a quarter of one: its year's)."""
    year = period.split(" ", 1)[0]
    for entry in builtins():
        if entry.period == year and entry.chosen_by_period:
            return entry
    return None


def resolve_framework(spec: str) -> Framework:
    """A built-in id or an explicit path to a TOML file, and nothing else."""
    for entry in builtins():
        if entry.id == spec:
            return load_framework(entry.path, origin=f"builtin:{entry.id}")
    path = Path(spec)
    if path.exists() and not path.is_dir():
        return load_framework(path)
    known = ", ".join(e.id for e in builtins())
    raise FrameworkError(
        f'"{spec}" is neither a built-in framework nor a file' if not path.is_dir() else f'"{spec}" is a directory',
        hint=f"use one of {known}, or the path of a framework TOML file",
    )


def framework_for_period(period: str) -> Framework:
    entry = builtin_for_period(period)
    if entry is None:
        known = ", ".join(f"{e.period} ({e.id})" for e in builtins() if e.chosen_by_period)
        raise FrameworkError(
            f"no built-in framework for period {period}",
            hint=f"built-in periods are {known}; pass --framework ID|PATH to choose one",
        )
    return load_framework(entry.path, origin=f"builtin:{entry.id}")


def load_framework(path: Path | str, *, origin: str | None = None) -> Framework:
    """Read and validate a framework file; raises FrameworkError naming the file and key path."""
    from ccgrate._base.streams import (
        FRAMEWORK_LIMIT,
        NotReadable,
        read_bounded,
        shown_path,
    )

    shown = shown_path(path)
    try:
        raw = read_bounded(path, FRAMEWORK_LIMIT)
    except NotReadable as problem:
        raise FrameworkError(problem.message, where=shown, hint="give the path of a framework TOML file") from None
    except OSError as error:
        raise FrameworkError(f"cannot read the framework file: {error.strerror or error}", where=shown) from None
    if raw is None:
        raise FrameworkError(
            f"is larger than {FRAMEWORK_LIMIT:,} bytes, too large for a framework file",
            where=shown,
            hint="give the path of a framework TOML file",
        )
    return parse_framework(raw, name=shown, origin=origin or shown)


def parse_framework(raw: bytes, *, name: str, origin: str | None = None) -> Framework:
    from pydantic import ValidationError

    from ccgrate._framework import cache as fwcache

    cached = fwcache.load(raw)
    if cached is not None:
        cached._origin = origin or name
        cached._sha256 = hashlib.sha256(raw).hexdigest()
        return cached
    from ccgrate._framework.checks import cross_check
    from ccgrate._framework.model import Framework

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise FrameworkError(
            f"byte 0x{raw[error.start]:02x} is not UTF-8 text",
            where=f"{name}:{line}:{column}",
            hint="save the framework as UTF-8",
        ) from None
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise FrameworkError(
            "TOML nested too deeply to be a framework",
            where=name,
            hint="a framework nests tables and arrays a few levels deep at most",
        ) from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _TOML_POSITION.search(message)
        where = f"{name}:{match.group(1)}:{match.group(2)}" if match else name
        if match:
            message = message[: match.start()]
        message = _TOML_WORDS.get(message, message)
        raise FrameworkError(
            f"TOML syntax error: {message[:1].lower()}{message[1:]}",
            where=where,
            hint="fix the syntax (https://toml.io)",
        ) from None
    if _depth(data) > MAX_DEPTH:
        raise FrameworkError(
            f"TOML nested more than {MAX_DEPTH} levels deep",
            where=name,
            hint="a framework nests tables and arrays a few levels deep at most",
        )
    try:
        framework = Framework.model_validate(data)
    except ValidationError as error:
        # An unknown key (a typo) usually explains the missing one that follows it: say it first.
        lines = sorted(_describe_validation(error, data), key=lambda line: "unknown key" not in line)
        problems = [f"{name}: {line}" for line in lines]
        raise FrameworkError(problems[0], problems=problems) from None
    found = cross_check(framework)
    if found:
        problems = [f"{name}: {_with_id(path, data)}: {message}" for path, message in found]
        raise FrameworkError(problems[0], problems=problems)
    framework._sha256 = hashlib.sha256(raw).hexdigest()
    fwcache.store(raw, framework)
    framework._origin = origin or name
    return framework


# The deepest a framework goes is a rule's condition list (rules[0].when.area_rating.x[0]): 5.
MAX_DEPTH = 16


def _depth(value: Any, level: int = 0) -> int:
    """How deep tables and arrays nest, stopping as soon as it passes MAX_DEPTH."""
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


_PATTERN_WORDS = {
    r"^\d{4}/\d{2}$": "must be a year written like 2017/18",
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$": "must be letters, digits, '.', '_' or '-', starting with a letter or digit",
}


def _describe_validation(error: ValidationError, data: dict[str, Any]) -> list[str]:
    from ccgrate._framework.indicators import METHODS

    lines = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        # A tagged union puts the tag (the indicator's method) into the path; the user never wrote it.
        if len(loc) >= 3 and loc[0] == "indicators" and isinstance(loc[1], int) and loc[2] in METHODS:
            del loc[2]
        path = _dotted(loc)
        kind = item["type"]
        if kind == "extra_forbidden":
            message = f'unknown key "{loc[-1]}"; check its spelling (`ccgrate framework schema` lists every key)'
            path = _dotted(loc[:-1]) or "(top level)"
        elif kind == "missing":
            message = f'missing required key "{loc[-1]}"'
            path = _dotted(loc[:-1]) or "(top level)"
        elif kind == "union_tag_invalid":
            message = f'unknown method "{item["ctx"]["tag"]}" (methods: {", ".join(METHODS)})'
            path = f"{path}.method"
        elif kind == "string_pattern_mismatch" and item["ctx"]["pattern"] in _PATTERN_WORDS:
            message = f"{_PATTERN_WORDS[item['ctx']['pattern']]} (got {item['input']!r})"
        elif kind == "union_tag_not_found":
            message = f'missing required key "method" (methods: {", ".join(METHODS)})'
        else:
            message = item["msg"].replace("Input should be", "must be")
            if "input" in item and not isinstance(item["input"], (dict, list)):
                message += f" (got {item['input']!r})"
        lines.append(f"{_with_id(path, data)}: {message}")
    return lines


def _dotted(loc: list[str | int]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


_LIST_ITEM = re.compile(r"^(domains|areas|indicators|rules)\[(\d+)\]")


def _with_id(path: str, data: dict[str, Any]) -> str:
    """Name the list item by its id too: index counting alone is easy to get wrong in a long file."""
    match = _LIST_ITEM.match(path)
    if not match:
        return path
    try:
        item = data[match.group(1)][int(match.group(2))]
    except (KeyError, IndexError, TypeError):
        return path
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return f'{path} (id "{item["id"]}")'
    return path


def framework_schema() -> dict[str, Any]:
    """The JSON Schema of a framework file, for editors that validate and complete TOML."""
    from ccgrate._framework.model import Framework

    schema = Framework.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ccgrate framework"
    return schema


def framework_text(fw: Framework) -> str:
    """The TOML text a loaded framework was read from, checked against the hash taken when it was read."""
    import hashlib

    origin = fw.origin
    if origin.startswith("builtin:"):
        entry = next((e for e in builtins() if e.id == origin.removeprefix("builtin:")), None)
        path = entry.path if entry else None
    else:
        path = Path(origin)
    try:
        raw = path.read_bytes() if path is not None else b""
    except OSError as error:
        raise FrameworkError(f"cannot read the framework file again: {error.strerror}", where=origin) from None
    if hashlib.sha256(raw).hexdigest() != fw.sha256:
        raise FrameworkError(
            "the framework file changed while ccgrate was using it", where=origin, hint="run the command again"
        )
    return raw.decode("utf-8-sig")
