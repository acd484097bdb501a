"""Generate the API reference of `import ccgrate` from its docstrings, with pdoc.

    python tools/apidocs.py [OUTPUT-DIRECTORY]      # default: build/api; or: python tools/run.py apidocs

The reference is generated, never kept in the repository: CI builds it, so that a docstring that
pdoc cannot render fails there. The public names are imported lazily by `ccgrate`; they are
resolved here first so that pdoc sees them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pdoc

import ccgrate

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "api"
    for name in ccgrate.__all__:
        getattr(ccgrate, name)
    pdoc.render.configure(docformat="markdown", footer_text=f"ccgrate {ccgrate.__version__}")
    pdoc.pdoc("ccgrate", output_directory=out)
    page = out / "ccgrate.html"
    missing = [name for name in ccgrate.__all__ if name != "__version__" and f'id="{name}"' not in page.read_text()]
    if missing:
        print(f"apidocs: not in the reference: {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"apidocs: {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
