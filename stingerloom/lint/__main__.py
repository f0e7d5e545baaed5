"""``python -m stingerloom.lint MANIFEST...``: the lint command without the main CLI."""

from __future__ import annotations

import argparse
import sys

from .command import configure, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stingerloom lint", description="Check migration manifests (CI gate).")
    configure(parser)
    args = parser.parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
