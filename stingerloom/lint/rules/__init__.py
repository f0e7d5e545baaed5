"""Rules: one class per rule, one rule per file, the file named for what the rule checks
(``ban_drop_column.py`` holds ``SL502``); :mod:`..registry` maps each code to its file.

A class named after its code (``SL601``) carries ``code``, ``name``, ``severity``, ``dialects`` and a
ruff-style docstring, and implements the hooks of :mod:`..api` it needs: statement rules set ``kinds``
and implement ``check_stmt``; migration rules implement ``check_migration``; manifest rules implement
``check_manifest``. What several rules share lives in :mod:`..facts` (and the families' base classes
in :mod:`..bases`), never in another rule's file.
"""
