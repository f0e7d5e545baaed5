"""``python -m stingerloom.lint MANIFEST...``: the same as ``stingerloom lint MANIFEST...``."""

from __future__ import annotations

import sys

from ..cli import main

if __name__ == "__main__":
    sys.exit(main(["lint", *sys.argv[1:]]))
