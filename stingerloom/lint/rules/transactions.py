"""SL3xx: transactions, timeouts and session state."""

from __future__ import annotations

import re

from ..api import Rule
from ..facts import (
    DDL_KINDS,
    DML_KINDS,
    LOCKING_KINDS,
    NEEDS_NO_TX_KINDS,
    client_command,
    needs_no_transaction,
    pg_cmds,
    rx,
    text_actions,
    tx_word,
)

_tx_word = tx_word


class SL301(Rule):
    """A statement that cannot run inside a transaction block, in a transactional migration.

    ## What it does
    Finds `CREATE/DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`, `DETACH PARTITION … CONCURRENTLY`,
    `VACUUM`, `CREATE/DROP DATABASE` and `ALTER SYSTEM` in a migration with `transaction: true` (the
    default) or after an explicit `BEGIN`.

    ## Why is this bad?
    PostgreSQL refuses them with "cannot run inside a transaction block": the apply fails.

    ## Example
    ```yaml
    up: CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
    ```
    """

    code, name, severity, dialects = "SL301", "needs-no-transaction", "error", ("postgres",)
    kinds = NEEDS_NO_TX_KINDS
    help = "set `transaction: false` and keep the statement alone in its migration"

    def check_stmt(self, stmt, ctx) -> None:
        why = needs_no_transaction(stmt)
        if why and (ctx.transaction or ctx.in_explicit_tx):
            where = "transaction: true" if ctx.transaction else "an explicit BEGIN"
            ctx.report(self, stmt, f"{why} cannot run inside a transaction block ({where})")


class SL302(Rule):
    """Transaction control inside a migration the runner already wraps in a transaction.

    ## What it does
    Finds `BEGIN`, `START TRANSACTION`, `COMMIT`, `ROLLBACK`, `END` and MySQL `SET autocommit` in a
    `transaction: true` migration, and `ROLLBACK` or `SET autocommit` in any migration; in a
    `transaction: false` one, also a `BEGIN` while an explicit transaction is already open and a
    `COMMIT` with none open.

    ## Why is this bad?
    The runner opens the transaction and writes the history row in it. A `COMMIT` inside commits the
    DDL apart from the history row, a `ROLLBACK` undoes the work while the history says applied.
    `stingerloom apply` refuses such a migration before anything runs. PostgreSQL only warns about a
    nested `BEGIN` (and MySQL commits the open transaction): the author's transaction is not the one
    that runs.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE users ADD COLUMN phone text;
    COMMIT;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN phone text;
    ```
    """

    code, name, severity = "SL302", "transaction-nesting", "error"
    kinds = frozenset({"TransactionStmt", "VariableSetStmt"})
    help = "remove the transaction control, or set `transaction: false`"

    def check_stmt(self, stmt, ctx) -> None:
        from ...sqltext import transaction_control  # what `apply` refuses, by the same test

        word = transaction_control(stmt.sql)
        if word is None:
            return
        if ctx.transaction:
            ctx.report(self, stmt, f"{word} inside a migration that already runs in a transaction")
        elif word in ("ROLLBACK", "SET autocommit", "PREPARE TRANSACTION"):
            ctx.report(self, stmt, f"{word} would undo or hide statements the history counts as committed")
        elif word == "BEGIN" and ctx.in_explicit_tx:
            ctx.report(self, stmt, "BEGIN while the transaction begun earlier is still open")
        elif word == "COMMIT" and not ctx.in_explicit_tx:
            ctx.report(self, stmt, "COMMIT with no transaction open (one COMMIT too many?)")


class SL303(Rule):
    """`BEGIN` with no `COMMIT` in a non-transactional migration.

    ## What it does
    In a `transaction: false` migration, finds a `BEGIN`/`START TRANSACTION` that is not followed by
    `COMMIT` or `ROLLBACK`.

    ## Why is this bad?
    The session ends with the transaction open and everything in it is rolled back: the migration
    "succeeds" but applies nothing (squawk #697 describes the production incident).

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE users ADD COLUMN phone text;
    COMMIT;
    ```
    """

    code, name, severity = "SL303", "uncommitted-transaction", "error"
    help = "add COMMIT at the end"

    def check_migration(self, ctx) -> None:
        if ctx.transaction:
            return
        open_at = None
        for st in ctx.up:
            if st.kind != "TransactionStmt":
                continue
            w = _tx_word(st)
            if w == "BEGIN":
                open_at = st
            elif w in ("COMMIT", "ROLLBACK"):
                open_at = None
        if open_at is not None:
            ctx.report(self, open_at, "transaction started here is never committed")


_GUARD = {"CreateStmt": "if_not_exists", "IndexStmt": "if_not_exists", "DropStmt": "missing_ok"}


class SL304(Rule):
    """A non-transactional migration without `IF [NOT] EXISTS` guards.

    ## What it does
    In a `transaction: false` PostgreSQL migration, finds `CREATE TABLE`, `CREATE INDEX`, `DROP …`,
    `ADD COLUMN` and `DROP COLUMN` without `IF [NOT] EXISTS`. Transactional migrations are not checked
    (squawk's wider rule drew false-positive reports).

    ## Why is this bad?
    Without a transaction, a failure leaves the migration half applied; re-running it fails on what the
    first run already created, and a failed `CREATE INDEX CONCURRENTLY` leaves an INVALID index behind.

    ## Example
    ```yaml
    transaction: false
    up: CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
    ```
    """

    code, name, severity, dialects = "SL304", "non-transactional-not-robust", "warning", ("postgres",)
    kinds = frozenset({"CreateStmt", "IndexStmt", "DropStmt", "AlterTableStmt"})
    help = "add IF NOT EXISTS / IF EXISTS so that a re-run after a failure succeeds"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.transaction or ctx.in_explicit_tx:
            return
        n = stmt.node
        if stmt.kind in _GUARD:
            if not n.get(_GUARD[stmt.kind]):
                guard = "IF EXISTS" if stmt.kind == "DropStmt" else "IF NOT EXISTS"
                ctx.report(self, stmt, f"statement without {guard} in a non-transactional migration")
            return
        for c in pg_cmds(n):
            if c.get("subtype") in ("AT_AddColumn", "AT_DropColumn") and not c.get("missing_ok"):
                what = "ADD COLUMN" if c["subtype"] == "AT_AddColumn" else "DROP COLUMN"
                ctx.report(self, stmt, f"{what} without IF {'NOT ' if what[0] == 'A' else ''}EXISTS in a "
                           "non-transactional migration")
                return


def _is_setting(stmt, names: tuple[str, ...]) -> bool:
    if stmt.kind != "VariableSetStmt":
        return False
    if stmt.node is not None:
        return stmt.node.get("name") in names and stmt.node.get("kind") != "VAR_RESET"
    return any(re.search(r"\b" + n + r"\b", stmt.stripped, re.I) for n in names)


def _locking(stmt, ctx) -> bool:
    if stmt.kind == "LockStmt":  # PostgreSQL LOCK TABLE: SHARE and stronger modes block writers
        return stmt.node is not None and (stmt.node.get("mode") or 8) >= 5
    if stmt.kind == "Other":  # MySQL LOCK TABLES … WRITE / READ
        return bool(rx(r"\s*LOCK\s+TABLES?\b").match(stmt.stripped))
    if stmt.kind not in LOCKING_KINDS:
        return False
    if stmt.kind == "IndexStmt" and stmt.node is not None and stmt.node.get("concurrent"):
        return False
    if stmt.kind == "DropStmt" and stmt.node is not None and stmt.node.get("concurrent"):
        return False
    if stmt.kind in ("AlterTableStmt", "IndexStmt", "CreateTrigStmt") and ctx.is_new(stmt.table):
        return False
    if stmt.kind == "DropStmt" and stmt.node is None and not rx(r"\s*DROP\s+(TABLE|INDEX)").match(stmt.stripped):
        return False
    return True


class _TimeoutRule(Rule):
    settings: tuple[str, ...] = ()
    what = ""

    def check_migration(self, ctx) -> None:
        names = self.settings if ctx.dialect == "postgres" else ("lock_wait_timeout", "innodb_lock_wait_timeout")
        for st in ctx.up:
            if _is_setting(st, names):
                return
            if _locking(st, ctx):
                ctx.report(self, st, f"lock-taking statement with no {self.what} set before it")
                return


class SL305(_TimeoutRule):
    """Lock-taking DDL with no lock timeout before it.

    ## What it does
    Finds the first lock-taking DDL statement (ALTER TABLE, CREATE INDEX, DROP, RENAME, TRUNCATE, …) on an
    existing table, or explicit `LOCK TABLE … IN SHARE MODE` or stronger (`ACCESS EXCLUSIVE` by default;
    MySQL `LOCK TABLES`), that is not preceded by `SET lock_timeout` (MySQL: `SET lock_wait_timeout`).

    ## Why is this bad?
    The DDL waits behind any long transaction holding a lock on the table, and every later query on the
    table queues behind the DDL: a short lock becomes an outage.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '2s';
    ALTER TABLE users ADD COLUMN phone text;
    ```
    """

    code, name, severity, dialects = "SL305", "require-lock-timeout", "warning", ("postgres", "mysql")
    settings, what = ("lock_timeout",), "lock timeout"
    help = "add `SET lock_timeout = '2s'` (MySQL: `SET SESSION lock_wait_timeout = 2`) first, and retry on timeout"


class SL306(_TimeoutRule):
    """Lock-taking DDL with no statement timeout (opt-in).

    ## What it does
    Like SL305, for `statement_timeout`.

    ## Why is this bad?
    A runaway statement (a table rewrite, a backfill) can hold its locks indefinitely.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN id TYPE bigint;
    ```

    ## Use instead
    ```sql
    SET statement_timeout = '5min';
    ALTER TABLE users ALTER COLUMN id TYPE bigint;
    ```
    """

    code, name, severity, dialects, default_enabled = "SL306", "require-statement-timeout", "info", ("postgres",), False
    settings, what = ("statement_timeout",), "statement_timeout"

    def check_migration(self, ctx) -> None:
        for st in ctx.up:
            if _is_setting(st, self.settings):
                return
            if _locking(st, ctx):
                ctx.report(self, st, "lock-taking statement with no statement_timeout set before it")
                return


def _altered_tables(ctx) -> dict[str, object]:
    out = {}
    for st in ctx.up:
        if st.kind == "AlterTableStmt" and st.table and not ctx.is_new(st.table):
            out.setdefault(st.table, st)
    return out


def _insert_select(stmt) -> bool:
    if stmt.node is not None:
        sel = stmt.node.get("selectStmt", {}).get("SelectStmt", {})
        return bool(sel.get("fromClause"))
    return bool(rx(r"\bSELECT\b").search(stmt.stripped))


class SL307(Rule):
    """A backfill in the same transaction as DDL on the same table.

    ## What it does
    In a transactional migration, finds `UPDATE`, `DELETE` or `INSERT … SELECT` on a table that the same
    migration alters (PostgreSQL and SQLite; MySQL commits each DDL statement, see SL312).

    ## Why is this bad?
    The DDL's lock (ACCESS EXCLUSIVE on PostgreSQL) is held until the transaction ends, so the table stays
    locked for the whole backfill.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN active boolean;
    UPDATE users SET active = true;
    ```

    ## Use instead
    ```sql
    -- migration 1
    ALTER TABLE users ADD COLUMN active boolean;
    -- migration 2 (transaction: false), batched
    UPDATE users SET active = true WHERE id BETWEEN 1 AND 10000;
    ```
    """

    code, name, severity, dialects = "SL307", "backfill-with-ddl", "warning", ("postgres", "sqlite")
    help = "move the backfill to its own migration with `transaction: false`, in batches"

    def check_migration(self, ctx) -> None:
        if not ctx.transaction or ctx.dialect == "mysql":
            return
        altered = None
        for st in ctx.up:
            if st.kind == "AlterTableStmt" and st.table and st.table not in ctx.created_tables:
                altered = altered or {}
                altered[st.table] = st
            elif altered and st.kind in DML_KINDS and st.table in altered:
                if st.kind == "InsertStmt" and not _insert_select(st):
                    continue
                ctx.report(self, st, f"backfill of {st.table!r} in the same transaction as its ALTER TABLE")


class SL308(Rule):
    """`UPDATE` or `DELETE` without `WHERE`.

    ## What it does
    Finds `UPDATE` and `DELETE` statements without a `WHERE` clause.

    ## Why is this bad?
    It rewrites or empties the whole table, in one long transaction that holds row locks on every row.

    ## Example
    ```sql
    DELETE FROM sessions;
    ```

    ## Use instead
    ```sql
    DELETE FROM sessions WHERE expires_at < now();
    ```
    """

    code, name, severity = "SL308", "dml-without-where", "warning"
    kinds = frozenset({"UpdateStmt", "DeleteStmt"})
    help = "add a WHERE clause, or batch the change"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.node is not None:
            has_where = bool(stmt.node.get("whereClause"))
        else:
            has_where = bool(rx(r"\bWHERE\b").search(stmt.stripped))
        if not has_where:
            ctx.report(self, stmt, f"{'UPDATE' if stmt.kind == 'UpdateStmt' else 'DELETE'} without WHERE "
                       "touches every row")


class SL310(Rule):
    """`transaction: false` although no statement needs it.

    ## What it does
    On PostgreSQL and SQLite, reports a `transaction: false` migration in which nothing needs to run
    outside a transaction (`CONCURRENTLY`, `VACUUM`, `PRAGMA foreign_keys`, …).

    ## Why is this bad?
    Atomicity is lost for nothing: a failure leaves the migration half applied.

    ## Example
    ```yaml
    transaction: false
    up: ALTER TABLE users ADD COLUMN phone text;
    ```

    ## Use instead
    ```yaml
    up: ALTER TABLE users ADD COLUMN phone text;
    ```
    """

    code, name, severity, dialects = "SL310", "transaction-false-unneeded", "warning", ("postgres", "sqlite")
    help = "remove `transaction: false`"

    def check_migration(self, ctx) -> None:
        if ctx.transaction or not ctx.up:
            return
        for st in ctx.up:
            if st.kind in ("TransactionStmt", "Error", "Unknown", "ClientCommand") or st.error:
                return
            if ctx.dialect == "postgres" and needs_no_transaction(st):
                return
            if ctx.dialect == "postgres" and st.kind == "AlterEnumStmt":
                return
            if ctx.dialect == "sqlite" and st.kind in ("PragmaStmt", "VacuumStmt"):
                return
        ctx.report_migration(self, "transaction: false but no statement needs to run outside a transaction")


class SL311(Rule):
    """A statement that must run outside a transaction shares its migration with others.

    ## What it does
    Reports other statements (except `SET`/`RESET`) next to a `CONCURRENTLY`/`VACUUM`-style statement.

    ## Why is this bad?
    With `transaction: false` each statement commits on its own; if the concurrent build fails, the
    earlier statements stay applied and the migration is half done.

    ## Example
    ```yaml
    transaction: false
    up: |
      ALTER TABLE users ADD COLUMN email text;
      CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
    ```

    ## Use instead
    ```yaml
    # one migration for the column, one for the index
    transaction: false
    up: CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
    ```
    """

    code, name, severity, dialects = "SL311", "non-tx-with-siblings", "warning", ("postgres",)
    help = "keep the concurrent statement alone in its migration"

    def check_migration(self, ctx) -> None:
        special = [st for st in ctx.up if needs_no_transaction(st)]
        others = [st for st in ctx.up if st.kind not in ("VariableSetStmt",) and st not in special]
        if special and others:
            ctx.report(self, special[0], f"{needs_no_transaction(special[0])} shares its migration with "
                       f"{len(others)} other statement{'s' * (len(others) != 1)}")


class SL312(Rule):
    """Several DDL statements, or DDL mixed with DML, in one MySQL/MariaDB migration.

    ## What it does
    Counts the DDL and DML statements of each MySQL migration.

    ## Why is this bad?
    MySQL commits every DDL statement implicitly. If the second statement fails, the first stays applied
    and the migration is left `dirty` (SPEC §4), needing `stingerloom repair`.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN phone varchar(20);
    CREATE INDEX idx_users_phone ON users (phone);
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN phone varchar(20), ADD INDEX idx_users_phone (phone);
    ```
    """

    code, name, severity, dialects = "SL312", "mysql-ddl-not-atomic", "warning", ("mysql",)
    help = "one DDL statement per migration (combine ALTER TABLE clauses), or make each statement idempotent"

    def check_migration(self, ctx) -> None:
        ddl = [st for st in ctx.up if st.kind in DDL_KINDS and st.kind != "Other"]
        dml = [st for st in ctx.up if st.kind in DML_KINDS]
        if len(ddl) > 1:
            ctx.report(self, ddl[1], f"{len(ddl)} DDL statements in one MySQL migration: each commits on its own")
        elif ddl and dml:
            ctx.report(self, ddl[0], "DDL mixed with DML in one MySQL migration: the DDL commits on its own")


class SL313(Rule):
    """`PRAGMA foreign_keys` inside a transactional SQLite migration.

    ## What it does
    Finds `PRAGMA foreign_keys = …` in a `transaction: true` migration.

    ## Why is this bad?
    SQLite ignores this pragma while a transaction is open: the statement is a silent no-op, so the
    12-step table rebuild it was meant to protect runs with foreign keys still enforced (or not).

    ## Example
    ```sql
    PRAGMA foreign_keys = off;
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: |
      PRAGMA foreign_keys = off;
      ...
    ```
    """

    code, name, severity, dialects = "SL313", "sqlite-pragma-in-transaction", "error", ("sqlite",)
    kinds = frozenset({"PragmaStmt"})
    help = "set `transaction: false`, or use `PRAGMA defer_foreign_keys = on`"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.transaction and rx(r"\s*PRAGMA\s+(?:\w+\.)?foreign_keys\s*=").match(stmt.stripped):
            ctx.report(self, stmt, "PRAGMA foreign_keys has no effect inside a transaction")


class SL314(Rule):
    """`ALTER TYPE … ADD VALUE` inside a transaction.

    ## What it does
    Finds `ALTER TYPE … ADD VALUE` in a transactional migration: before PostgreSQL 12 (`--target
    postgres=11`) it fails; from 12 on, it is reported only when a later statement of the same migration
    uses the new value.

    ## Why is this bad?
    Before 12: "ALTER TYPE … ADD cannot run inside a transaction block". From 12: "unsafe use of new
    value" when the value is used before the transaction commits.

    ## Example
    ```sql
    ALTER TYPE mood ADD VALUE 'ecstatic';
    UPDATE people SET mood = 'ecstatic' WHERE id = 1;
    ```

    ## Use instead
    ```sql
    ALTER TYPE mood ADD VALUE 'ecstatic';
    -- use the value in a later migration
    ```
    """

    code, name, severity, dialects = "SL314", "enum-add-value-in-transaction", "warning", ("postgres",)
    kinds = frozenset({"AlterEnumStmt"})
    help = "use the new value in a later migration (before PostgreSQL 12: `transaction: false`)"

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if n.get("oldVal") or not ctx.transaction:
            return
        target = ctx.target()
        if target is not None and target < (12,):
            ctx.report(self, stmt, "ALTER TYPE … ADD VALUE cannot run inside a transaction before PostgreSQL 12")
            return
        lit = "'" + n.get("newVal", "").replace("'", "''") + "'"
        later = ctx.up[ctx.up.index(stmt) + 1:] if stmt in ctx.up else []
        for st in later:
            if lit in st.sql:
                ctx.report(self, st, f"the new enum value {lit} is used in the transaction that adds it")
                return


class SL315(Rule):
    """`ALTER TABLE` that SQLite does not support.

    ## What it does
    Finds `ALTER COLUMN`, `ADD CONSTRAINT`/`DROP CONSTRAINT`, `MODIFY`, and, before SQLite 3.35 (`--target
    sqlite=3.31`), `DROP COLUMN` (3.25 for `RENAME COLUMN`).

    ## Why is this bad?
    SQLite's ALTER TABLE only renames tables and columns and adds or drops columns; the rest fails.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN name SET NOT NULL;
    ```

    ## Use instead
    ```sql
    -- the 12-step rebuild: CREATE TABLE users_new (...); INSERT INTO users_new SELECT ...;
    -- DROP TABLE users; ALTER TABLE users_new RENAME TO users;
    ```
    """

    code, name, severity, dialects = "SL315", "sqlite-unsupported-alter", "error", ("sqlite",)
    kinds = frozenset({"AlterTableStmt"})
    help = "use the 12-step table rebuild (https://www.sqlite.org/lang_altertable.html#otheralter)"
    runs_on_errors = True

    def check_stmt(self, stmt, ctx) -> None:
        target = ctx.target() or (99,)
        for off, act in text_actions(stmt):
            a = act.upper()
            bad = None
            if re.match(r"(ALTER|MODIFY|CHANGE)\b", a):
                bad = a.split()[0] + " " + ("COLUMN" if a.split()[0] == "ALTER" else "")
            elif re.match(r"(ADD|DROP)\s+(CONSTRAINT|PRIMARY|FOREIGN|UNIQUE|CHECK|INDEX|KEY)\b", a):
                bad = " ".join(a.split()[:2])
            elif re.match(r"DROP\b", a) and target < (3, 35):
                bad = "DROP COLUMN before SQLite 3.35"
            elif re.match(r"RENAME\s+(COLUMN\s+)?\w+\s+TO\b", a) and not re.match(r"RENAME\s+TO\b", a) and target < (3, 25):
                bad = "RENAME COLUMN before SQLite 3.25"
            if bad:
                ctx.report(self, stmt, f"SQLite does not support {bad.strip()} in ALTER TABLE", at=off)


class SL316(Rule):
    """Client-only syntax: psql meta-commands, MySQL `DELIMITER`.

    ## What it does
    Finds lines such as `\\set`, `\\connect`, `DELIMITER //` and sqlite3 dot-commands (reported by the
    statement splitter).

    ## Why is this bad?
    They are commands of the interactive clients, not SQL: the driver sends them to the server, which
    rejects them. stingerloom splits `BEGIN … END` bodies itself, so `DELIMITER` is never needed.

    ## Example
    ```sql
    DELIMITER //
    CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW BEGIN SET NEW.name = TRIM(NEW.name); END //
    DELIMITER ;
    ```

    ## Use instead
    ```sql
    CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW BEGIN SET NEW.name = TRIM(NEW.name); END;
    ```
    """

    code, name, severity = "SL316", "client-only-syntax", "error"
    help = "remove the client command; write plain SQL"

    def check_migration(self, ctx) -> None:
        for _block, source, exc in ctx.split_errors:  # the splitter stops at a client command
            if client_command(exc):
                ctx.report_at(self, exc.message, source, exc.offset)


_SESSION = ("search_path", "lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout", "role",
            "session_authorization", "lock_wait_timeout", "sql_mode", "foreign_key_checks", "unique_checks")


class SL317(Rule):
    """A session setting in a non-transactional migration leaks into later migrations.

    ## What it does
    In a `transaction: false` migration, finds a plain `SET` of a session setting (`search_path`,
    `lock_timeout`, `statement_timeout`, MySQL `foreign_key_checks`, …) that is not `RESET` later.

    ## Why is this bad?
    The runner uses one connection for the whole run: the setting stays in force for every later
    migration, which was not written for it.

    ## Example
    ```yaml
    transaction: false
    up: |
      SET lock_timeout = '2s';
      CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: |
      SET lock_timeout = '2s';
      CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);
      RESET lock_timeout;
    ```
    """

    code, name, severity, dialects = "SL317", "session-setting-leak", "warning", ("postgres", "mysql")
    help = "RESET the setting at the end (or use SET LOCAL in a transactional migration)"

    def check_migration(self, ctx) -> None:
        if ctx.transaction:
            return
        pending: dict[str, object] = {}
        for st in ctx.up:
            if st.kind != "VariableSetStmt":
                continue
            if st.node is not None:
                name, kind = st.node.get("name"), st.node.get("kind")
                if kind in ("VAR_RESET", "VAR_SET_DEFAULT", "VAR_RESET_ALL"):
                    if kind == "VAR_RESET_ALL":
                        pending.clear()
                    pending.pop(name, None)
                elif name in _SESSION and not st.node.get("is_local"):
                    pending[name] = st
            else:
                m = rx(r"\s*SET\s+(?:SESSION\s+|@@(?:SESSION\.)?)?(\w+)\s*(?:=|TO)\s*(\w+)?").match(st.stripped)
                if m and m.group(1).lower() in _SESSION:
                    if (m.group(2) or "").upper() == "DEFAULT":
                        pending.pop(m.group(1).lower(), None)
                    else:
                        pending[m.group(1).lower()] = st
        for name, st in pending.items():
            ctx.report(self, st, f"SET {name} stays in force for the migrations that run after this one")


class SL318(Rule):
    """`DROP … CASCADE`.

    ## What it does
    Finds `DROP … CASCADE` on any object, and `ALTER TABLE … DROP COLUMN/CONSTRAINT … CASCADE`.

    ## Why is this bad?
    CASCADE silently drops every dependent object (views, foreign keys, …), which the author may not
    know about.

    ## Example
    ```sql
    DROP TABLE users CASCADE;
    ```

    ## Use instead
    ```sql
    DROP VIEW active_users;
    DROP TABLE users;
    ```
    """

    code, name, severity, dialects = "SL318", "drop-cascade", "warning", ("postgres",)
    kinds = frozenset({"DropStmt", "AlterTableStmt"})
    help = "drop the dependent objects explicitly, then drop without CASCADE"

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if stmt.kind == "DropStmt":
            if n.get("behavior") == "DROP_CASCADE":
                ctx.report(self, stmt, "DROP … CASCADE also drops every dependent object")
            return
        for c in pg_cmds(n):
            if c.get("behavior") == "DROP_CASCADE" and c.get("subtype") in ("AT_DropColumn", "AT_DropConstraint"):
                ctx.report(self, stmt, "DROP … CASCADE also drops every dependent object")
                return
