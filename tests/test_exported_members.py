"""Every name in ``stingerloom.__all__`` resolves, and the top-level import stays light."""

from __future__ import annotations

import subprocess
import sys

import stingerloom


def test_all_public_names_resolve():
    for name in stingerloom.__all__:
        assert getattr(stingerloom, name) is not None, name
    assert set(stingerloom.__all__) <= set(dir(stingerloom))


def test_import_is_light():
    code = ("import sys, stingerloom, stingerloom.cli; "
            "heavy = [m for m in ('yaml', 'pydantic', 'rich', 'psycopg', 'pymysql', 'pglast') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
