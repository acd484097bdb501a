"""--org: an organisation by its code, its name, or a part of its name that only it has."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from ccgrate._base.errors import DataError, clip, listed


def match_orgs(
    specs: Iterable[str],
    known: Mapping[str, str],
    where: str,
    *,
    hint: str = "check the code against the org_code column, or give part of the name",
) -> list[str]:
    """The code of each organisation `specs` name, in order, each once. `known` maps every code to
    its name. A spec is tried as a code (any case), then as a whole name, then as a part of one
    name; nothing found, or a part found in several names, is an error that says what is close."""
    by_code = {code.upper(): code for code in known}
    chosen: dict[str, None] = {}
    for spec in specs:
        text = spec.strip()
        code = by_code.get(text.upper())
        if code is None:
            code = _by_name(text, known, where)
        if code is None:
            raise DataError(f'no organisation "{clip(text)}" in {where}', hint=_suggestion(text, known) or hint)
        chosen[code] = None
    return list(chosen)


def _by_name(text: str, known: Mapping[str, str], where: str) -> str | None:
    wanted = text.casefold()
    if not wanted:
        return None
    whole = [code for code, name in known.items() if name.casefold() == wanted]
    found = whole or [code for code, name in known.items() if wanted in name.casefold()]
    if len(found) > 1:
        raise DataError(
            f'"{clip(text)}" is part of the names of {len(found)} organisations in {where}: '
            f"{listed([_shown(code, known) for code in sorted(found)], 4)}",
            hint="give the code, or more of the name",
        )
    return found[0] if found else None


def _suggestion(text: str, known: Mapping[str, str]) -> str | None:
    """'did you mean ...' from the codes and names closest to what was typed."""
    codes = {code.upper(): code for code in known}
    names = {name.casefold(): code for code, name in known.items() if name}
    close = [codes[c] for c in difflib.get_close_matches(text.upper(), list(codes), n=3, cutoff=0.6)]
    close += [names[n] for n in difflib.get_close_matches(text.casefold(), list(names), n=3, cutoff=0.6)]
    # A misspelt word of a name ("Bromly"): names are long, so whole-name closeness misses it.
    typed = text.casefold()
    close += [
        code
        for code, name in known.items()
        if name and difflib.get_close_matches(typed, name.casefold().split(), n=1, cutoff=0.75)
    ]
    close = list(dict.fromkeys(close))[:3]
    if not close:
        return None
    return f"did you mean {' or '.join(_shown(code, known) for code in close)}?"


def _shown(code: str, known: Mapping[str, str]) -> str:
    return f"{code} ({clip(known[code])})" if known.get(code) else code
