"""Rules, one class per rule, grouped in modules by code range (see :mod:`..registry`).

A class named after its code (``SL601``) carries ``code``, ``name``, ``severity``, ``dialects`` and a
ruff-style docstring. Statement rules set ``kinds`` and implement ``check_stmt``; migration rules
implement ``check_migration``; manifest rules implement ``check_manifest``.
"""

from __future__ import annotations


def manifest_checks(run, manifest, migrations, dialects, path) -> None:
    for rule in run.rules:
        fn = getattr(rule, "check_manifest", None)
        if fn is not None:
            fn(run, manifest, migrations, dialects, path)
