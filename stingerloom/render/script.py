"""One SQL script for what ``apply`` or ``rollback`` would do (``--script FILE``), and the same
statements shown by ``--dry-run``: a DBA reviews exactly what would run.

The script is for the database's own client (``psql -v ON_ERROR_STOP=1 -f``, ``mariadb db <``,
``sqlite3 db <``) and does what the runner does, in the same order: the migration lock, the history
table (created if missing, with the dialect's DDL), then per migration either one transaction
(``BEGIN``, the history row, the statements, ``COMMIT``) or the dirty protocol (row ``dirty`` 0/n,
the counter after each statement, ``applied`` last; for a rollback ``dirty`` ``down`` 0/n, the
counter, then the row deleted). Every history value is a literal quoted by the dialect
(``Dialect.sql_literal``). Before a migration's statements a guard refuses to go on when the history
row is not as planned (already applied / already rolled back), so a script run twice stops before
changing anything.

Differences from a run of the tool, by necessity: ``applied_at`` and ``applied_by`` are the
database's clock and user when the script runs (``script by <who wrote it>, run as <user>``),
``execution_ms`` is 0, and a non-transactional migration whose first statement fails stays ``dirty``
0/n (the tool removes that row): ``stingerloom repair --remove ID``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..errors import InputError


class ScriptHeader:
    """What the script's header names (SQL comments)."""

    def __init__(self, *, command: str, manifest: str, target: str, environment: str | None,
                 written_by: str, written_at: str | None = None) -> None:
        from .. import __version__

        self.command = command
        self.manifest = manifest
        self.target = target
        self.environment = environment
        self.written_by = written_by
        self.version = __version__
        self.written_at = written_at or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _comment(text: str) -> str:
    """``text`` as ``--`` comment lines (a newline in it cannot end the comment early)."""
    return "\n".join("-- " + line if line else "--" for line in str(text).splitlines() or [""])


def shown_sql(source: Any, stmt: Any) -> str:
    """A statement as ``--dry-run`` prints it: after replacement, except a placeholder whose name says
    it holds a secret (``${app_password}``), which stays as written; a script file holds the value."""
    if source is not None and hasattr(source, "shown"):
        return source.shown(stmt.offset, stmt.offset + len(stmt.sql))
    return stmt.sql


def _shown_text(source: Any) -> str:
    """A whole block (a down SQL stored in the history row), as :func:`shown_sql` prints a statement."""
    return source.shown(0, len(source.text)) if hasattr(source, "shown") else source.text


class _Writer:
    def __init__(self, dialect: Any, shown: bool = False) -> None:
        self.d = dialect
        self.lines: list[str] = []
        self.guards = 0
        self.shown = shown  # printed (--dry-run), not written: secret placeholders stay as written

    def comment(self, text: str) -> None:
        self.lines.append(_comment(text))

    def raw(self, line: str) -> None:
        self.lines.append(line)

    def blank(self) -> None:
        self.lines.append("")

    def sql(self, text: str) -> None:
        """One statement with its terminator; on MySQL a compound body (trigger, procedure...) goes
        between ``DELIMITER`` lines, since the mariadb client would cut it at its first ``;``."""
        text = text.rstrip()
        if self.d.script_delimiter_blocks and _needs_delimiter(text):
            mark = next(m for m in ("$$", "//", "$$$", ";;", "@@@@") if m not in text)
            self.lines += [f"DELIMITER {mark}", text + f"\n{mark}", "DELIMITER ;"]
        else:
            self.lines.append(text + ";")

    def guard(self, refused_when: str, message: str) -> None:
        self.guards += 1
        for stmt in self.d.script_guard(self.guards, refused_when, message):
            self.sql(stmt)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _needs_delimiter(sql: str) -> bool:
    from ..sqltext import has_compound_body

    return has_compound_body(sql, "mysql")


def _exists(d: Any, mid: str, state: str | None = None) -> str:
    """A SQL condition: the history row of ``mid`` exists (in ``state``)."""
    q = d.quote
    cond = f"{q('id')} = {d.sql_literal(mid)}"
    if state is not None:
        cond += f" AND {q('state')} = {d.sql_literal(state)}"
    return f"EXISTS (SELECT {q('id')} FROM {d.history_ref()} WHERE {cond})"


def _update(d: Any, mid: str, when: str | None = None, **values: Any) -> str:
    """The history UPDATE; ``when``: only while the row is in that state, as the tool writes it."""
    q = d.quote
    sets = ", ".join(f"{q(k)} = {v}" for k, v in values.items())
    where = f"{q('id')} = {d.sql_literal(mid)}" + (f" AND {q('state')} = {d.sql_literal(when)}" if when else "")
    return f"UPDATE {d.history_ref()} SET {sets} WHERE {where}"


def _begin_script(w: _Writer, header: ScriptHeader, facts: dict, title: str, ids: list[tuple[str, str]],
                  create_history: bool = True, for_script: bool = True) -> None:
    d = w.d
    if facts.get("refusal") is not None and for_script:
        raise facts["refusal"]
    w.comment(f"stingerloom {header.version}: {title}")
    w.comment(f"written {header.written_at} by {header.written_by} (stingerloom {header.command} --script)")
    w.comment(f"manifest:      {header.manifest}")
    w.comment(f"target:        {header.target}")
    w.comment(f"environment:   {header.environment or '(none)'}")
    w.comment(f"history table: {d.history_ref()}")
    w.comment(f"run it with:   {d.script_client}")
    w.comment("migrations, in the order they run (id, checksum):")
    for mid, checksum in ids:
        w.comment(f"  {mid}  {checksum or '-'}")
    w.blank()
    for line in d.script_preamble():
        w.raw(line)
    database = facts.get("database")
    if database is not None:  # the history table and the lock are this database's
        expr = d.script_database_sql
        w.guard(f"{expr} IS NULL OR {expr} <> {d.sql_literal(database)}",
                f"stingerloom: this script was written for database {database}: run it there")
    if facts.get("refusal") is not None:
        w.comment(f"(no script can take the lock: {facts['refusal'].message})")
    for stmt in facts["lock"][0]:
        w.sql(stmt)
    for stmt in facts["ddl"] if create_history else ():  # a rollback needs the table there already
        w.sql(stmt)


def _end_script(w: _Writer, facts: dict) -> None:
    if facts["lock"][1]:
        w.blank()
    for stmt in facts["lock"][1]:
        w.sql(stmt)


def _where(m: Any) -> str:
    return f" ({m.source_file}:{m.source_line})" if getattr(m, "source_file", None) else ""


def _statements(w: _Writer, step: Any, progress: Any) -> None:
    if step.source is None:
        w.comment("(Python migration: its statements are known only when it runs)")
        return
    if not step.statements and step.direction == "up":  # a rollback's block says so itself
        w.comment(f"(no statements: its SQL for {w.d.name} is empty or only comments; only the history row is "
                  "written)")
    for k, stmt in enumerate(step.statements, 1):
        w.sql(shown_sql(step.source, stmt) if w.shown else stmt.sql)
        if progress is not None:
            w.sql(progress(k))


def apply_script(plan: Any, header: ScriptHeader, *, for_script: bool = True) -> str:
    """The script applying ``plan`` (``MigrationRunner.plan()``)."""
    d = plan.dialect
    steps = plan.steps
    facts = plan.facts
    if for_script:
        _refuse_python(steps, "apply")
    w = _Writer(d, shown=not for_script)
    ids = [(st.migration.id, st.migration.checksum(d.name)) for st in steps]
    _begin_script(w, header, facts, f"apply {len(steps)} migration(s) to {header.target}", ids,
                  for_script=for_script)
    if not steps:
        later = plan.pending_after
        w.blank()
        w.comment(f"Nothing to apply up to {plan.to}: {len(later)} later migration(s) left out by --to"
                  if later else "Nothing to apply: the database is up to date.")
    batch, rank = facts["batch"], facts["rank"]
    for i, st in enumerate(steps):
        m = st.migration
        try:
            _apply_block(w, st, batch, rank + i, header.written_by)
        except InputError as exc:  # a value no literal can carry: name the migration's file
            raise InputError(f"migration {m.id}: {exc.message}", file=getattr(m, "source_file", None),
                             line=getattr(m, "source_line", None), hint=exc.hint) from None
    _end_script(w, facts)
    return w.text()


def _repeatable(st: Any) -> bool:
    """A repeatable migration's step (applied, re-applied, or brought back to its previous definition)."""
    return bool(getattr(st.migration, "repeatable", False) or getattr(st, "restore", None) is not None
                or getattr(st, "version", None) is not None)


def _repeatable_block(w: _Writer, st: Any, title: str, then: str) -> None:
    """``--dry-run`` only (``--script`` refuses repeatables): what stingerloom itself would run."""
    w.blank()
    w.comment(title)
    w.comment("(a repeatable migration: stingerloom runs it; `--script` does not write it)")
    _statements(w, st, None)
    w.comment(f"then: {then}")


def _apply_block(w: _Writer, st: Any, batch: int, rank: int, written_by: str) -> None:
    d = w.d
    m = st.migration
    if _repeatable(st):
        how = "in one transaction" if st.atomic else "statement by statement, without a transaction"
        what = "applied for the first time" if st.reason in (None, "new") else f"re-applied: {st.reason}"
        versions = d.table_ref(d.history_name + "_versions")
        then = (f"UPDATE {d.history_ref()} (history row for {m.id}) and INSERT INTO {versions} (its SQL)"
                if st.previous is not None else
                f"INSERT INTO {d.history_ref()} (history row for {m.id}) and INSERT INTO {versions} (its SQL)")
        _repeatable_block(w, st, f"{m.id}{_where(m)}, {how}; repeatable, {what}", then)
        return
    name = d.name
    down = m.down_sql(name) if not m.irreversible else None
    n = len(st.statements)
    atomic = st.atomic
    values = {
        "id": d.sql_literal(m.id), "description": d.sql_literal(m.description),
        "checksum": d.sql_literal(m.checksum(name)),
        "down_sql": d.sql_literal(None if down is None else _shown_text(down) if w.shown else down.text),
        "applied_at": d.script_now(), "execution_ms": "0", "applied_by": d.script_applied_by(written_by),
        "state": d.sql_literal("applied" if atomic else "dirty"), "batch": str(batch), "rank": str(rank),
        "statements_done": str(n if atomic else 0), "statements_total": str(n), "operation": d.sql_literal("up"),
    }
    q = d.quote
    insert = (f"INSERT INTO {d.history_ref()} ({', '.join(q(c) for c in values)})\n"
              f"  VALUES ({', '.join(values.values())})")
    w.blank()
    how = "in one transaction" if atomic else "statement by statement, without a transaction"
    w.comment(f"{m.id}{_where(m)}, {how}")
    w.comment(f"checksum {m.checksum(name) or '-'}")
    if atomic:
        w.sql(d.script_begin)
    w.guard(_exists(d, m.id), f"stingerloom: migration {m.id} is already applied (was this script run already?)")
    w.sql(insert)
    progress = None if atomic else (lambda k: _update(d, m.id, statements_done=str(k)))
    _statements(w, st, progress)
    if atomic:
        w.sql(d.script_commit)
        _session_reset(w, st)
    else:
        _session_reset(w, st)  # before the history update, which a SET default_transaction_read_only would fail
        w.sql(_update(d, m.id, "dirty", state=d.sql_literal("applied"), execution_ms="0",
                      operation=d.sql_literal("up")))


def _session_reset(w: _Writer, st: Any) -> None:
    """After a migration whose statements may change the session (a ``SET``, ``USE``, ``LOCK``…): the
    same reset the tool runs, so that the next migration and the history writes see the same session
    in the script as with stingerloom itself."""
    if st.source is None or not w.d.may_change_session(st.statements):
        return
    lines = w.d.script_session_reset()
    if lines:
        w.comment("(its statements may have changed the session: back to the session's defaults, as stingerloom does)")
        for line in lines:
            w.raw(line)


def rollback_script(plan: Any, header: ScriptHeader, *, for_script: bool = True) -> str:
    """The script reverting ``plan`` (``MigrationRunner.plan_rollback()``)."""
    d = plan.dialect
    steps = plan.steps
    facts = plan.facts
    if for_script:
        _refuse_python(steps, "rollback")
    w = _Writer(d, shown=not for_script)
    ids = [(st.row.id, st.row.checksum) for st in steps]
    _begin_script(w, header, facts, f"roll back {len(steps)} migration(s) on {header.target}, newest first", ids,
                  create_history=False, for_script=for_script)
    if not steps:
        w.blank()
        w.comment("Nothing to roll back.")
    for st in steps:
        _rollback_block(w, plan.manifest, st, st.row, st.note)
    _end_script(w, facts)
    return w.text()


def _rollback_block(w: _Writer, manifest: str, st: Any, row: Any, note: dict | None) -> None:
    d = w.d
    n = len(st.statements)
    atomic = st.atomic
    how = "in one transaction" if atomic else "statement by statement, without a transaction"
    if _repeatable(st):
        if note and note.get("reapplies"):
            title = (f"{row.id} (repeatable: re-applies its previous definition, applied {note['reapplies']}, "
                     f"stored in the history), {how}")
            then = f"UPDATE {d.history_ref()} (history row of {row.id} back to that definition)"
        else:
            title = f"{row.id} (repeatable, first application: its down SQL stored in the history), {how}"
            then = f"DELETE FROM {d.history_ref()} (history row of {row.id})"
        _repeatable_block(w, st, title, then)
        return
    w.blank()
    origin = "missing from this manifest; " if note and note["missing"] else ""
    w.comment(f"{row.id} ({origin}down SQL stored in the history), {how}")
    if note and note["differs"]:
        w.comment(f"NOTE: the file's down SQL ({note['file']}:{note['line']}) differs from the stored one; the "
                  f"stored one below is what runs. `stingerloom repair {manifest} --accept {row.id}` "
                  "stores the file's")
    elif note and note["stored_down"] is not None and note["file_down"] is None and not note["missing"]:
        w.comment("NOTE: the file has no down SQL for this database now; the stored one below is what runs")
    if atomic:
        w.sql(d.script_begin)
    w.guard(f"NOT {_exists(d, row.id, 'applied')}",
            f"stingerloom: migration {row.id} is not applied (was this script run already?)")
    if atomic:
        _statements(w, st, None)
    else:
        w.sql(_update(d, row.id, "applied", state=d.sql_literal("dirty"), operation=d.sql_literal("down"),
                      statements_done="0", statements_total=str(n)))
        _statements(w, st, lambda k: _update(d, row.id, statements_done=str(k)))
        _session_reset(w, st)
    if st.source is not None and not st.statements:
        w.comment("(no statements: only the history row is removed)")
    state = d.sql_literal("applied" if atomic else "dirty")
    w.sql(f"DELETE FROM {d.history_ref()} WHERE {d.quote('id')} = {d.sql_literal(row.id)} "
          f"AND {d.quote('state')} = {state}")
    if atomic:
        w.sql(d.script_commit)
        _session_reset(w, st)


def _refuse_python(steps: list, verb: str) -> None:
    words = "roll back" if verb == "rollback" else verb
    do_it = "roll it back" if verb == "rollback" else f"{verb} it"
    for st in steps:
        m = st.migration
        if st.source is None:
            raise InputError(f"--script cannot {words} Python migration {m.id}: its statements are known only "
                             "when it runs", file=getattr(m, "source_file", None),
                             line=getattr(m, "source_line", None),
                             hint=f"{do_it} with stingerloom itself (without --script)")
        if _repeatable(st):
            # apply: --to stops before the repeatable; rollback: --to the repeatable keeps it
            stop = ("--to a migration before it" if verb == "apply"
                    else f"`--to {m.id}` to roll back only what was applied after it")
            raise InputError(f"--script cannot {words} repeatable migration {m.id} yet (its definitions are kept "
                             "in the history's _versions table, which scripts do not write)",
                             file=getattr(m, "source_file", None), line=getattr(m, "source_line", None),
                             hint=f"{do_it} with stingerloom itself (without --script), or {stop}")


def write_script(path: str, text: str) -> None:
    """Write ``text`` to ``path`` (``-``: standard output), replacing the file only when complete."""
    import os
    import sys
    import tempfile

    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".stingerloom-script-", dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write the script {path}: {exc.strerror}",
                         hint="check that its folder exists and is writable") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        with __import__("contextlib").suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"cannot write the script {path}: {exc.strerror}") from None
