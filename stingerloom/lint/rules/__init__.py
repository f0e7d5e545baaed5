"""Rules, one class per rule, grouped in modules by code range (see :mod:`..registry`).

A class named after its code (``SL601``) carries ``code``, ``name``, ``severity``, ``dialects`` and a
ruff-style docstring, and implements the hooks of :mod:`..api` it needs: statement rules set ``kinds``
and implement ``check_stmt``; migration rules implement ``check_migration``; manifest rules implement
``check_manifest``.
"""
