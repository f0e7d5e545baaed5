"""SL4xx: reversibility and up/down symmetry. None of them runs on a repeatable migration, whose rollback
re-applies its previous definition (its down runs only after its first application)."""

from __future__ import annotations

from ..api import Rule
from ..facts import added_columns, drop_columns, drop_names, rx
from ..model import Finding


class SL401(Rule):
    """No `down`, and the migration is not declared irreversible.

    ## What it does
    Reports a migration without `down` SQL for a checked dialect, unless it sets `irreversible: true`.

    ## Why is this bad?
    `rollback` cannot revert it; the author never decided whether it can be reverted.

    ## Example
    ```yaml
    id: 002_add_phone
    up: ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```yaml
    id: 002_add_phone
    up: ALTER TABLE users ADD COLUMN phone text;
    down: ALTER TABLE users DROP COLUMN phone;
    ```
    """

    code, name, severity = "SL401", "missing-down", "error"
    for_repeatable = False
    help = "add a `down`, or declare `irreversible: true`"

    def check_migration(self, ctx) -> None:
        m = ctx.migration
        if m.irreversible or ctx.down_source is not None or ctx.up_source is None:
            return
        if m.down_sources:
            return  # another dialect has a down; SL107/SL109 report the gap
        ctx.report_migration(self, "migration has no down and is not declared irreversible")


def _objects_pg(stmts, created: bool):
    """PostgreSQL objects created (or dropped) by the statements: {(kind, name)}."""
    out = {}
    for st in stmts:
        n = st.node
        if n is None:
            continue
        if created:
            if st.kind == "CreateStmt":
                out[("table", st.table)] = st
            elif st.kind == "IndexStmt" and n.get("idxname"):
                out[("index", n["idxname"])] = st
            elif st.kind == "ViewStmt":
                out[("view", n["view"]["relname"])] = st
            elif st.kind == "AlterTableStmt":
                for _, cd in added_columns(st):
                    out[("column", f"{st.table}.{cd.get('colname')}")] = st
            elif st.kind == "CreateTrigStmt":
                out[("trigger", n.get("trigname"))] = st
            elif st.kind in ("CreateEnumStmt", "CompositeTypeStmt"):
                names = [x["String"]["sval"] for x in (n.get("typeName") or n.get("typevar", {}) and [] or []) if "String" in x]
                if names:
                    out[("type", names[-1])] = st
        else:
            if st.kind == "DropStmt":
                kind = {"OBJECT_TABLE": "table", "OBJECT_INDEX": "index", "OBJECT_VIEW": "view",
                        "OBJECT_TRIGGER": "trigger", "OBJECT_TYPE": "type"}.get(n.get("removeType"))
                if kind:
                    for name in drop_names(st):
                        out[(kind, name)] = st
            elif st.kind == "AlterTableStmt":
                for col, _ in drop_columns(st):
                    out[("column", f"{st.table}.{col}")] = st
    return out


class SL402(Rule):
    """`down` does not undo `up`.

    ## What it does
    On SQLite it replays the earlier migrations in memory, runs `up` then `down`, and compares
    `sqlite_master` with the state before: every table, index, view and trigger must be back as it was.
    On PostgreSQL it compares names: every table, column, index, view and trigger that `up` creates must
    be dropped by `down`.

    ## Why is this bad?
    A rollback that leaves objects behind makes the next `apply` fail ("already exists"); one that drops
    too much loses data.

    ## Example
    ```yaml
    up: |
      CREATE TABLE users (id int);
      CREATE INDEX idx_users_id ON users (id);
    down: DROP INDEX idx_users_id;
    ```

    ## Use instead
    ```yaml
    up: |
      CREATE TABLE users (id int);
      CREATE INDEX idx_users_id ON users (id);
    down: DROP TABLE users;
    ```
    """

    code, name, severity, dialects = "SL402", "down-not-inverse", "warning", ("postgres", "sqlite")
    for_repeatable = False
    help = "make down drop what up creates, and nothing else"

    def check_migration(self, ctx) -> None:
        if ctx.migration.irreversible or not ctx.down:
            return
        if ctx.dialect == "sqlite":
            self._check_sqlite(ctx)
            return
        if ctx.dialect != "postgres" or any(st.error for st in ctx.up + ctx.down):
            return
        made = _objects_pg(ctx.up, True)
        dropped = _objects_pg(ctx.down, False)
        dropped_tables = {n for k, n in dropped if k == "table"}
        for (kind, name), st in made.items():
            if (kind, name) in dropped:
                continue
            owner = name.split(".")[0] if kind == "column" else None
            if owner and owner in dropped_tables:
                continue
            if kind in ("index", "trigger"):
                tbl = st.table
                if tbl in dropped_tables:
                    continue
            if kind == "column" and owner in {n for k, n in made if k == "table"}:
                continue
            ctx.report(self, st, f"up creates the {kind} {name!r}, down does not drop it")

    def _check_sqlite(self, ctx) -> None:
        """SQLite: the engine really ran up, then down (see parse.SqliteReplay); compare the schemas."""
        before, after_down = ctx.sqlite_before, ctx.sqlite_after_down
        if after_down is None:
            return
        where = ctx.down[0]
        line, col = where.pos()

        def say(msg: str) -> None:
            ctx.run.add(self, msg + " (checked by running up, then down, in SQLite)", where.source.file, line, col,
                        ctx.migration, ctx.dialect)

        for key in sorted(set(after_down) - set(before)):
            say(f"down leaves the {key[0]} {key[1]!r} that up creates")
        for key in sorted(set(before) - set(after_down)):
            say(f"after up and down, the {key[0]} {key[1]!r} that existed before is gone")
        for key in sorted(set(before) & set(after_down)):
            if before[key][:2] != after_down[key][:2]:
                say(f"after up and down, the {key[0]} {key[1]!r} differs from before")

    @classmethod
    def verified(cls, what: str, file, line, column, migration, dialect: str) -> Finding:
        """``--verify``: the replay on a scratch database found ``what`` differs after up and down."""
        return Finding(cls.code, cls.severity, f"down does not restore the schema as it was before up: {what}",
                       file, line, column, migration, dialect)

    @staticmethod
    def supersede(findings: list, verified: list) -> list:
        """A down proven wrong by ``--verify`` supersedes lint's own SL402 for that migration and
        dialect: one finding, the one that says what differs."""
        proven = {(f.migration, f.dialect) for f in verified if f.rule == "SL402"}
        return [f for f in findings if not (f.rule == "SL402" and (f.migration, f.dialect) in proven)]


class SL403(Rule):
    """`down` does not reverse `up`'s order.

    ## What it does
    On PostgreSQL, reports a `down` that drops a table and afterwards touches an object on it (an index,
    a column, a constraint), or drops tables in the order `up` created them.

    ## Why is this bad?
    Objects that depend on others must go first; otherwise the rollback fails half way.

    ## Example
    ```yaml
    up: |
      CREATE TABLE teams (id int PRIMARY KEY);
      CREATE TABLE users (id int, team_id int REFERENCES teams (id));
    down: |
      DROP TABLE teams;
      DROP TABLE users;
    ```

    ## Use instead
    ```yaml
    down: |
      DROP TABLE users;
      DROP TABLE teams;
    ```
    """

    code, name, severity, dialects = "SL403", "down-order", "warning", ("postgres",)
    for_repeatable = False
    help = "write down in the reverse order of up"

    def check_migration(self, ctx) -> None:
        if not ctx.down or any(st.error for st in ctx.down):
            return
        created = [st.table for st in ctx.up if st.kind == "CreateStmt" and st.table]
        dropped_order = []
        dropped = set()
        for st in ctx.down:
            if st.node is None:
                continue
            if st.kind == "DropStmt" and st.node.get("removeType") == "OBJECT_TABLE":
                for name in drop_names(st):
                    dropped_order.append((name, st))
                    dropped.add(name)
            elif st.kind in ("AlterTableStmt", "IndexStmt") and st.table in dropped:
                ctx.report(self, st, f"{st.table!r} was already dropped earlier in down")
                return
        pos = {name: i for i, name in enumerate(created)}
        seq = [(pos[n], st) for n, st in dropped_order if n in pos]
        for (a, _), (b, st) in zip(seq, seq[1:]):
            if b > a:
                ctx.report(self, st, "down drops the tables in the order up created them; reverse it")
                return


class SL404(Rule):
    """A non-transactional or MySQL `down` without `IF EXISTS`.

    ## What it does
    In a `down` of several statements that runs without a transaction (`transaction: false`, or any
    MySQL migration), finds `DROP TABLE/VIEW/…` without `IF EXISTS`.

    ## Why is this bad?
    If the rollback fails part way, re-running it fails on what was already dropped: the down migration
    must be idempotent.

    ## Example
    ```sql
    -- MySQL down
    DROP TABLE audit_log;
    DROP TABLE users;
    ```

    ## Use instead
    ```sql
    DROP TABLE IF EXISTS audit_log;
    DROP TABLE IF EXISTS users;
    ```
    """

    code, name, severity, dialects = "SL404", "down-not-idempotent", "warning", ("postgres", "mysql")
    for_repeatable = False
    help = "add IF EXISTS"

    def check_migration(self, ctx) -> None:
        if ctx.dialect == "postgres" and ctx.transaction:
            return
        if len([st for st in ctx.down if st.kind not in ("VariableSetStmt", "Empty")]) < 2:
            return  # a single statement cannot be half applied
        for st in ctx.down:
            if st.error:
                continue
            if st.kind == "DropStmt":
                ok = st.node.get("missing_ok") if st.node is not None else bool(
                    rx(r"\s*DROP\s+(?:TEMPORARY\s+)?\w+\s+IF\s+EXISTS\b").match(st.stripped)
                    or rx(r"\s*DROP\s+INDEX\b").match(st.stripped))  # MySQL has no DROP INDEX IF EXISTS
                if not ok:
                    ctx.report(self, st, "DROP without IF EXISTS in a down that runs without a transaction")


class SL405(Rule):
    """`up` changes data that `down` cannot restore.

    ## What it does
    Reports a reversible migration whose `up` has `UPDATE`, `DELETE` or `TRUNCATE`.

    ## Why is this bad?
    The `down` restores the schema but not the rows: a rollback silently loses data.

    ## Example
    ```yaml
    up: DELETE FROM sessions WHERE created_at < '2020-01-01';
    down: SELECT 1;
    ```

    ## Use instead
    ```yaml
    irreversible: true
    up: DELETE FROM sessions WHERE created_at < '2020-01-01';
    ```
    """

    code, name, severity = "SL405", "lossy-rollback", "info"
    for_repeatable = False
    kinds = frozenset({"UpdateStmt", "DeleteStmt", "TruncateStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.migration.irreversible or not ctx.down or ctx.is_new(stmt.table):
            return
        ctx.report(self, stmt, "down cannot restore the rows this statement changes; declare irreversible or explain")


_CREATE = (r"(?is)\s*CREATE\s+(OR\s+REPLACE\s+)?(?:(?:DEFINER\s*=\s*\S+|ALGORITHM\s*=\s*\w+|SQL\s+SECURITY\s+\w+"
           r"|TEMP(?:ORARY)?|UNIQUE|MATERIALIZED|RECURSIVE|CONSTRAINT)\s+)*"
           r"(VIEW|FUNCTION|PROCEDURE|TRIGGER|TABLE|INDEX|TYPE|SEQUENCE|EVENT)\b(\s+IF\s+NOT\s+EXISTS\b)?")


class SL406(Rule):
    """A repeatable migration that cannot run twice.

    ## What it does
    In a migration with `repeatable: true`, reports a `CREATE VIEW/FUNCTION/PROCEDURE/TRIGGER/...`
    that has neither `OR REPLACE` nor a `DROP` of the same kind of object before it in `up`, and a
    `CREATE ... IF NOT EXISTS`, which keeps the old definition.

    ## Why is this bad?
    A repeatable migration is re-applied every time it changes: a plain `CREATE` then fails with
    "already exists", and `IF NOT EXISTS` silently leaves the previous definition in place.

    ## Example
    ```yaml
    repeatable: true
    up: CREATE VIEW active_users AS SELECT * FROM users WHERE active;
    ```

    ## Use instead
    ```yaml
    repeatable: true
    up: CREATE OR REPLACE VIEW active_users AS SELECT * FROM users WHERE active;
    ```
    """

    code, name, severity = "SL406", "repeatable-not-rerunnable", "warning"
    help = "write CREATE OR REPLACE, or DROP ... IF EXISTS before the CREATE"

    def check_migration(self, ctx) -> None:
        if not ctx.migration.repeatable:
            return
        dropped: set[str] = set()
        for st in ctx.up:
            drop = rx(r"(?is)\s*DROP\s+(?:MATERIALIZED\s+)?(\w+)\b").match(st.stripped)
            if drop:
                dropped.add(drop.group(1).upper())
                continue
            m = rx(_CREATE).match(st.stripped)
            if m is None or m.group(1):
                continue
            kind = m.group(2).upper()
            if m.group(3):
                ctx.report(self, st, f"CREATE {kind} IF NOT EXISTS in a repeatable migration keeps the old "
                                     "definition when it is re-applied")
            elif kind not in dropped:
                ctx.report(self, st, f"CREATE {kind} without OR REPLACE (or a DROP before it) fails when this "
                                     "repeatable migration is re-applied")
