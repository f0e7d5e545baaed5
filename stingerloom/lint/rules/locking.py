"""SL6xx: online DDL and locking. The shared exemption: lock rules skip tables created earlier in the
same migration (as squawk, Atlas PG101 and strong_migrations do)."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    SERIAL_TYPES,
    added_columns,
    added_constraints,
    added_keys,
    coldef_constraints,
    drop_names,
    has_key_words,
    loc,
    pg_cmds,
    pg_type,
    pg_walk,
    rx,
    text_actions,
    transaction_of,
)


class SL601(Rule):
    """`CREATE INDEX` without `CONCURRENTLY`.

    ## What it does
    Finds `CREATE INDEX` without `CONCURRENTLY` on a table that this migration did not create.

    ## Why is this bad?
    A plain index build takes a SHARE lock: every INSERT, UPDATE and DELETE on the table waits for the
    whole build.

    ## Example
    ```yaml
    up: CREATE INDEX idx_users_email ON users (email);
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
    ```
    """

    code, name, severity, dialects = "SL601", "index-not-concurrent", "warning", ("postgres",)
    kinds = frozenset({"IndexStmt"})
    help = "use CREATE INDEX CONCURRENTLY IF NOT EXISTS in a `transaction: false` migration"

    def check_stmt(self, stmt, ctx) -> None:
        if not stmt.node.get("concurrent") and not ctx.is_new(stmt.table):
            ctx.report(self, stmt, f"CREATE INDEX on {stmt.table!r} blocks writes while the index builds")


class SL602(Rule):
    """`DROP INDEX` without `CONCURRENTLY`.

    ## What it does
    Finds `DROP INDEX` without `CONCURRENTLY` (of an index this migration did not create).

    ## Why is this bad?
    It takes ACCESS EXCLUSIVE on the index's table, blocking reads and writes, and waits behind every
    running query on it.

    ## Example
    ```sql
    DROP INDEX idx_users_email;
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;
    ```
    """

    code, name, severity, dialects = "SL602", "drop-index-not-concurrent", "warning", ("postgres",)
    kinds = frozenset({"DropStmt"})
    help = "use DROP INDEX CONCURRENTLY IF EXISTS in a `transaction: false` migration"

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if n.get("removeType") != "OBJECT_INDEX" or n.get("concurrent"):
            return
        names = [x for x in drop_names(stmt) if x not in ctx.created_indexes]
        if names:
            ctx.report(self, stmt, f"DROP INDEX {', '.join(names)} takes ACCESS EXCLUSIVE on the table")


def _concurrent_param(node) -> bool:
    return any(p.get("DefElem", {}).get("defname") == "concurrently" for p in node.get("params", ()) or ())


class SL603(Rule):
    """`REINDEX` without `CONCURRENTLY`.

    ## What it does
    Finds `REINDEX` without `CONCURRENTLY` (only when the target is PostgreSQL 12 or later, or unknown).

    ## Why is this bad?
    A plain REINDEX blocks writes to the table and reads that use the index.

    ## Example
    ```sql
    REINDEX INDEX idx_users_email;
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: REINDEX INDEX CONCURRENTLY idx_users_email;
    ```
    """

    code, name, severity, dialects = "SL603", "reindex-not-concurrent", "warning", ("postgres",)
    kinds = frozenset({"ReindexStmt"})
    help = "use REINDEX … CONCURRENTLY (PostgreSQL 12+) with `transaction: false`"

    def check_stmt(self, stmt, ctx) -> None:
        t = ctx.target()
        if t is not None and t < (12,):
            return
        if not _concurrent_param(stmt.node):
            ctx.report(self, stmt, "REINDEX blocks writes (and reads through the index) while it runs")


class SL604(Rule):
    """`DETACH PARTITION` without `CONCURRENTLY`.

    ## What it does
    Finds `ALTER TABLE … DETACH PARTITION` without `CONCURRENTLY` (when the target is PostgreSQL 14 or
    later, or unknown).

    ## Why is this bad?
    It takes ACCESS EXCLUSIVE on the partitioned table.

    ## Example
    ```sql
    ALTER TABLE measurements DETACH PARTITION measurements_2023;
    ```

    ## Use instead
    ```yaml
    transaction: false
    up: ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY;
    ```
    """

    code, name, severity, dialects = "SL604", "detach-partition-not-concurrent", "warning", ("postgres",)
    kinds = frozenset({"AlterTableStmt"})
    help = "use DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+) with `transaction: false`"

    def check_stmt(self, stmt, ctx) -> None:
        t = ctx.target()
        if t is not None and t < (14,):
            return
        for c in pg_cmds(stmt.node):
            if c.get("subtype") == "AT_DetachPartition":
                pc = (c.get("def") or {}).get("PartitionCmd", {})
                if not pc.get("concurrent"):
                    ctx.report(self, stmt, "DETACH PARTITION takes ACCESS EXCLUSIVE on the partitioned table",
                               at=loc(pc.get("name")))


def _mysql_adds(stmt, what: str) -> list[int]:
    """Offsets of MySQL ``ADD [CONSTRAINT [name]] <what>`` actions."""
    return [off for off, act in text_actions(stmt)
            if rx(r"ADD\s+(?:CONSTRAINT\s+(?:(?!FOREIGN\b|CHECK\b)\S+\s+)?)?" + what).match(act)]


def _fk_checks_off(ctx, stmt) -> bool:
    """``SET [SESSION] foreign_key_checks = 0`` earlier in this migration (MySQL adds the key in place)."""
    off = False
    for st in ctx.up:
        if st is stmt:
            break
        m = rx(r"\s*SET\s+(?:SESSION\s+|@@(?:SESSION\.)?)?foreign_key_checks\s*(?:=|TO)\s*(\w+)").match(st.stripped)
        if m:
            off = m.group(1).upper() in ("0", "OFF", "FALSE")
    return off


class SL605(Rule):
    """A foreign key added without `NOT VALID`.

    ## What it does
    Finds `ADD CONSTRAINT … FOREIGN KEY` (and `ADD COLUMN … REFERENCES`) without `NOT VALID` on a table
    this migration did not create. MySQL/MariaDB: `ADD [CONSTRAINT] FOREIGN KEY` unless the migration
    sets `foreign_key_checks = 0` before it.

    ## Why is this bad?
    Validating scans the whole table under SHARE ROW EXCLUSIVE on both tables, blocking writes to both.
    MySQL has no `NOT VALID`: with `foreign_key_checks` on, InnoDB adds a foreign key only by copying the
    table, blocking writes for the whole copy.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id);
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    -- next migration:
    ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user;
    ```
    """

    code, name, severity, dialects = "SL605", "foreign-key-validating", "warning", ("postgres", "mysql")
    kinds = frozenset({"AlterTableStmt"})
    help = ("add the foreign key NOT VALID, then VALIDATE CONSTRAINT in another migration (MySQL: "
            "SET foreign_key_checks = 0 first for an in-place add, or an online schema change tool)")

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.node is None:
            adds = _mysql_adds(stmt, r"FOREIGN\s+KEY")
            if adds and not _fk_checks_off(ctx, stmt):
                for off in adds:
                    ctx.report(self, stmt, "adding a foreign key with foreign_key_checks on copies the table "
                               "(ALGORITHM=COPY), blocking writes", at=off)
            return
        for _, con in added_constraints(stmt, "CONSTR_FOREIGN"):
            if not con.get("skip_validation"):
                ctx.report(self, stmt, "adding a foreign key validates every row while blocking writes on both tables",
                           at=loc(con))
        for _, cd in added_columns(stmt):
            for con in coldef_constraints(cd, "CONSTR_FOREIGN"):
                ctx.report(self, stmt, "a column with REFERENCES locks both tables while the key is added", at=loc(con))


class SL606(Rule):
    """A `CHECK` constraint added without `NOT VALID`.

    ## What it does
    Finds `ADD CONSTRAINT … CHECK (…)` without `NOT VALID` on an existing table (MySQL/MariaDB: any
    `ADD [CONSTRAINT] CHECK`).

    ## Why is this bad?
    The whole table is scanned under ACCESS EXCLUSIVE: no reads, no writes. MySQL validates a new CHECK
    constraint by copying the table (ALGORITHM=COPY), blocking writes.

    ## Example
    ```sql
    ALTER TABLE users ADD CONSTRAINT ck_age CHECK (age >= 0);
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD CONSTRAINT ck_age CHECK (age >= 0) NOT VALID;
    -- next migration:
    ALTER TABLE users VALIDATE CONSTRAINT ck_age;
    ```
    """

    code, name, severity, dialects = "SL606", "check-validating", "warning", ("postgres", "mysql")
    kinds = frozenset({"AlterTableStmt"})
    help = ("add the check NOT VALID, then VALIDATE CONSTRAINT in another migration (MySQL: an online "
            "schema change tool)")

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.node is None:
            for off in _mysql_adds(stmt, r"CHECK\s*\("):
                ctx.report(self, stmt, "adding a CHECK constraint copies the table (ALGORITHM=COPY) to validate "
                           "it, blocking writes", at=off)
            return
        for _, con in added_constraints(stmt, "CONSTR_CHECK"):
            if not con.get("skip_validation"):
                ctx.report(self, stmt, "adding a CHECK constraint scans the table under ACCESS EXCLUSIVE", at=loc(con))


class SL607(Rule):
    """`VALIDATE CONSTRAINT` in the same transaction as its `NOT VALID`.

    ## What it does
    Finds `VALIDATE CONSTRAINT c` in the transaction that added `c` as `NOT VALID`: a transactional
    migration, or one explicit `BEGIN … COMMIT` of a `transaction: false` migration.

    ## Why is this bad?
    The lock taken by the `ADD CONSTRAINT` is held through the validation: `NOT VALID` buys nothing.

    ## Example
    ```sql
    ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT fk;
    ```

    ## Use instead
    ```sql
    -- migration 1
    ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    -- migration 2
    ALTER TABLE orders VALIDATE CONSTRAINT fk;
    ```
    """

    code, name, severity, dialects = "SL607", "validate-in-same-transaction", "warning", ("postgres",)
    help = "move VALIDATE CONSTRAINT to a separate migration"

    def check_migration(self, ctx) -> None:
        tx = transaction_of(ctx)
        if not tx:
            return
        not_valid = {}  # constraint -> transaction that added it
        for st in ctx.up:
            if st.kind != "AlterTableStmt" or st.node is None or id(st) not in tx:
                continue
            for _, con in added_constraints(st):
                if con.get("skip_validation") and con.get("conname"):
                    not_valid[con["conname"]] = tx[id(st)]
            for c in pg_cmds(st.node):
                if c.get("subtype") == "AT_ValidateConstraint" and not_valid.get(c.get("name")) == tx[id(st)]:
                    ctx.report(self, st, f"constraint {c['name']!r} is validated in the transaction that added it")


class SL608(Rule):
    """`SET NOT NULL` on an existing column.

    ## What it does
    Finds `ALTER COLUMN … SET NOT NULL` on a table this migration did not create, unless a validated
    `CHECK (column IS NOT NULL)` on that column exists (added in an earlier migration, or earlier in
    this one): PostgreSQL 12+ then skips the scan (`--target postgres=11` still reports it).

    ## Why is this bad?
    PostgreSQL scans the table under ACCESS EXCLUSIVE to check for NULLs, and the statement fails if
    one exists.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD CONSTRAINT email_not_null CHECK (email IS NOT NULL) NOT VALID;
    -- next migration
    ALTER TABLE users VALIDATE CONSTRAINT email_not_null;
    -- next migration (PostgreSQL 12+ uses the check and skips the scan)
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    ALTER TABLE users DROP CONSTRAINT email_not_null;
    ```
    """

    code, name, severity, dialects = "SL608", "set-not-null", "warning", ("postgres",)
    kinds = frozenset({"AlterTableStmt"})
    help = "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+)"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        target = ctx.target()
        for c in pg_cmds(stmt.node):
            if c.get("subtype") != "AT_SetNotNull":
                continue
            if c.get("name") in ctx.catalog.facts(stmt.table).not_null and (target is None or target >= (12,)):
                continue  # PostgreSQL 12+ proves NOT NULL from the validated CHECK: no scan
            ctx.report(self, stmt, f"SET NOT NULL on {stmt.table}.{c.get('name')} scans the table under "
                       "ACCESS EXCLUSIVE")


class SL609(Rule):
    """`ADD UNIQUE` that builds its index under a lock.

    ## What it does
    Finds `ADD CONSTRAINT … UNIQUE` without `USING INDEX` on an existing table.

    ## Why is this bad?
    The unique index is built under ACCESS EXCLUSIVE: no reads or writes for the whole build.

    ## Example
    ```sql
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
    -- next migration
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;
    ```
    """

    code, name, severity, dialects = "SL609", "unique-constraint-blocking", "warning", ("postgres",)
    kinds = frozenset({"AlterTableStmt"})
    help = "build a unique index CONCURRENTLY first, then ADD CONSTRAINT … UNIQUE USING INDEX"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if not has_key_words(stmt, ("UNIQUE",)):
            return
        for con, _, col in added_keys(stmt, "CONSTR_UNIQUE"):
            if not con.get("indexname"):
                what = f"ADD COLUMN {col.get('colname')} … UNIQUE" if col else "ADD UNIQUE"
                ctx.report(self, stmt, f"{what} builds its index under ACCESS EXCLUSIVE", at=loc(con))


class SL610(Rule):
    """`ADD PRIMARY KEY` that builds its index under a lock.

    ## What it does
    Finds `ADD PRIMARY KEY` without `USING INDEX` on an existing table.

    ## Why is this bad?
    It builds the index (and sets NOT NULL on the columns, scanning the table) under ACCESS EXCLUSIVE.

    ## Example
    ```sql
    ALTER TABLE events ADD PRIMARY KEY (id);
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS events_pkey_idx ON events (id);
    -- next migration
    ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey_idx;
    ```
    """

    code, name, severity, dialects = "SL610", "primary-key-blocking", "warning", ("postgres",)
    kinds = frozenset({"AlterTableStmt"})
    help = "build a unique index CONCURRENTLY, then ADD PRIMARY KEY USING INDEX"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if not has_key_words(stmt, ("PRIMARY",)):
            return
        for con, _, col in added_keys(stmt, "CONSTR_PRIMARY"):
            if not con.get("indexname"):
                what = f"ADD COLUMN {col.get('colname')} … PRIMARY KEY" if col else "ADD PRIMARY KEY"
                ctx.report(self, stmt, f"{what} builds its index under ACCESS EXCLUSIVE", at=loc(con))


_STABLE_FUNCS = {"now", "current_timestamp", "transaction_timestamp", "statement_timestamp", "current_date",
                 "current_user", "session_user", "localtimestamp", "current_time", "localtime"}


def _volatile(expr: dict) -> str | None:
    for _key, node in pg_walk(expr):
        if "FuncCall" in node:
            names = [n["String"]["sval"] for n in node["FuncCall"].get("funcname", ()) if "String" in n]
            name = names[-1] if names else "?"
            if name.lower() not in _STABLE_FUNCS:
                return name
    return None


class SL611(Rule):
    """`ADD COLUMN … DEFAULT` that rewrites the table.

    ## What it does
    Finds `ADD COLUMN` with a volatile default (`gen_random_uuid()`, `random()`, `clock_timestamp()`, …)
    on PostgreSQL, or any default when the target is before PostgreSQL 11 (`--target postgres=10`); on
    MySQL, an expression default `DEFAULT (…)`.

    ## Why is this bad?
    The table is rewritten under ACCESS EXCLUSIVE (MySQL: copied) to fill in a value per row. Constant
    defaults are stored in the catalogue on PostgreSQL 11+ and are instant.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD COLUMN token uuid;
    ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();
    -- backfill existing rows in batches in a later migration
    ```
    """

    code, name, severity, dialects = "SL611", "rewriting-default", "warning", ("postgres", "mysql")
    kinds = frozenset({"AlterTableStmt"})
    help = "add the column without the default, SET DEFAULT separately, then backfill in batches"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.node is None:
            for off, act in text_actions(stmt):
                if rx(r"ADD\b").match(act) and rx(r"\bDEFAULT\s*\(").search(act):
                    ctx.report(self, stmt, "an expression DEFAULT on a new column copies the table", at=off)
            return
        old = (ctx.target() or (99,)) < (11,)
        for _, cd in added_columns(stmt):
            for con in coldef_constraints(cd, "CONSTR_DEFAULT"):
                fn = _volatile(con.get("raw_expr") or {})
                if fn:
                    ctx.report(self, stmt, f"volatile default {fn}() rewrites the whole table", at=loc(con))
                elif old:
                    ctx.report(self, stmt, "before PostgreSQL 11 any DEFAULT on ADD COLUMN rewrites the table",
                               at=loc(con))


class SL612(Rule):
    """Adding a `GENERATED … STORED` column.

    ## What it does
    Finds `ADD COLUMN … GENERATED ALWAYS AS (…) STORED` on an existing table.

    ## Why is this bad?
    Every row must be computed and written: a full table rewrite under ACCESS EXCLUSIVE (MySQL: a copy).

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * qty) STORED;
    ```

    ## Use instead
    ```sql
    -- PostgreSQL: a trigger-maintained column, backfilled in batches; MySQL: a VIRTUAL column
    ALTER TABLE orders ADD COLUMN total numeric AS (price * qty) VIRTUAL;
    ```
    """

    code, name, severity, dialects = "SL612", "stored-generated-column", "warning", ("postgres", "mysql")
    kinds = frozenset({"AlterTableStmt"})
    help = "use a trigger-maintained column (PostgreSQL) or a VIRTUAL generated column (MySQL)"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.node is None:
            for off, act in text_actions(stmt):
                if rx(r"ADD\b").match(act) and rx(r"\bSTORED\b").search(act):
                    ctx.report(self, stmt, "a STORED generated column copies the table", at=off)
            return
        for _, cd in added_columns(stmt):
            for con in coldef_constraints(cd, "CONSTR_GENERATED"):
                ctx.report(self, stmt, f"stored generated column {cd.get('colname')!r} rewrites the table",
                           at=loc(con))


class SL613(Rule):
    """Adding an auto-increment column to an existing table.

    ## What it does
    Finds `ADD COLUMN` with `serial`/`bigserial`, `GENERATED … AS IDENTITY`, `AUTO_INCREMENT` or
    `AUTOINCREMENT`.

    ## Why is this bad?
    Every row gets a value: PostgreSQL rewrites the table, MySQL copies it, and with statement-based
    replication replicas can number the rows differently.

    ## Example
    ```sql
    ALTER TABLE events ADD COLUMN id bigserial;
    ```

    ## Use instead
    ```sql
    -- create a new table with the key, copy the rows in batches, swap the tables
    ```
    """

    code, name, severity = "SL613", "add-auto-increment-column", "warning"
    kinds = frozenset({"AlterTableStmt"})
    help = "create a new table with the column and copy the rows in batches"

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        if stmt.node is None:
            for off, act in text_actions(stmt):
                if rx(r"ADD\b").match(act) and rx(r"\bAUTO_?INCREMENT\b|\bSERIAL\b").search(act):
                    ctx.report(self, stmt, "adding an auto-increment column rewrites every row", at=off)
            return
        for _, cd in added_columns(stmt):
            tname, _ = pg_type(cd.get("typeName"))
            if tname in SERIAL_TYPES or coldef_constraints(cd, "CONSTR_IDENTITY"):
                ctx.report(self, stmt, f"adding auto-increment column {cd.get('colname')!r} rewrites the table",
                           at=loc(cd))


class SL614(Rule):
    """Adding an exclusion constraint.

    ## What it does
    Finds `ADD CONSTRAINT … EXCLUDE` on an existing table.

    ## Why is this bad?
    Every row is checked while reads and writes are blocked, and exclusion constraints cannot be added
    `NOT VALID`.

    ## Example
    ```sql
    ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
    ```

    ## Use instead
    ```sql
    -- add it while the table is small, or during a maintenance window
    -- stingerloom:ignore SL614 -- maintenance window 2026-03-01
    ```
    """

    code, name, severity, dialects = "SL614", "exclusion-constraint", "warning", ("postgres",)
    kinds = frozenset({"AlterTableStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if ctx.is_new(stmt.table):
            return
        for _, con in added_constraints(stmt, "CONSTR_EXCLUSION"):
            ctx.report(self, stmt, "an exclusion constraint checks every row under ACCESS EXCLUSIVE", at=loc(con))


def _full_on(defel: dict) -> bool:
    """``FULL`` in VACUUM's options, not turned off (``FULL FALSE``, ``FULL off``, ``FULL 0``)."""
    if defel.get("defname") != "full":
        return False
    arg = defel.get("arg")
    if not arg:
        return True
    if "Integer" in arg:
        return bool(arg["Integer"].get("ival", 0))
    return str(arg.get("String", {}).get("sval", "")).lower() not in ("false", "off", "no")


class SL615(Rule):
    """Maintenance commands that rewrite a table under ACCESS EXCLUSIVE.

    ## What it does
    Finds `VACUUM FULL`, `CLUSTER`, `ALTER TABLE … SET LOGGED/UNLOGGED` and `SET ACCESS METHOD`.

    ## Why is this bad?
    The whole table is rewritten while nobody can read or write it.

    ## Example
    ```sql
    VACUUM FULL orders;
    ```

    ## Use instead
    ```sql
    -- pg_repack, outside migrations (or REPACK (CONCURRENTLY) on PostgreSQL 19)
    ```
    """

    code, name, severity, dialects = "SL615", "table-rewrite-maintenance", "warning", ("postgres",)
    kinds = frozenset({"VacuumStmt", "ClusterStmt", "AlterTableStmt"})
    help = "use pg_repack instead"

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if stmt.kind == "VacuumStmt":
            if any(_full_on(o.get("DefElem", {})) for o in n.get("options", ()) or ()):
                ctx.report(self, stmt, "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE")
        elif stmt.kind == "ClusterStmt":
            ctx.report(self, stmt, "CLUSTER rewrites the table under ACCESS EXCLUSIVE")
        elif not ctx.is_new(stmt.table):
            for c in pg_cmds(n):
                if c.get("subtype") in ("AT_SetLogged", "AT_SetUnLogged", "AT_SetAccessMethod"):
                    what = c["subtype"][3:].replace("UnLogged", "Unlogged")
                    ctx.report(self, stmt, f"{what} rewrites the table under ACCESS EXCLUSIVE")


class SL616(Rule):
    """`CREATE TRIGGER` on an existing table.

    ## What it does
    Finds `CREATE TRIGGER` on a table this migration did not create.

    ## Why is this bad?
    It takes SHARE ROW EXCLUSIVE on the table, which blocks writes while it waits for running queries.

    ## Example
    ```sql
    CREATE TRIGGER audit AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION audit();
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '2s';
    CREATE TRIGGER audit AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION audit();
    ```
    """

    code, name, severity, dialects = "SL616", "create-trigger-lock", "info", ("postgres",)
    kinds = frozenset({"CreateTrigStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        if not ctx.is_new(stmt.table):
            ctx.report(self, stmt, f"CREATE TRIGGER takes SHARE ROW EXCLUSIVE on {stmt.table!r}, blocking writes")


class SL617(Rule):
    """A domain with a `CHECK` constraint.

    ## What it does
    Finds `CREATE DOMAIN … CHECK` and `ALTER DOMAIN … ADD CONSTRAINT` (not `NOT VALID`, which checks new
    values only).

    ## Why is this bad?
    Adding or changing the domain's check revalidates every column of every table that uses the
    domain, under locks, and cannot be done `NOT VALID` per column.

    ## Example
    ```sql
    CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;
    ```
    """

    code, name, severity, dialects = "SL617", "domain-constraint", "warning", ("postgres",)
    kinds = frozenset({"CreateDomainStmt", "AlterDomainStmt"})
    help = "put the CHECK on the columns instead"

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if stmt.kind == "CreateDomainStmt":
            if any(c.get("Constraint", {}).get("contype") == "CONSTR_CHECK" for c in n.get("constraints", ()) or ()):
                ctx.report(self, stmt, "a CHECK on a domain is revalidated on every column that uses the domain")
        elif n.get("subtype") == "C" and not (n.get("def") or {}).get("Constraint", {}).get("skip_validation"):
            ctx.report(self, stmt, "ALTER DOMAIN … ADD CONSTRAINT validates every column that uses the domain")


class SL618(Rule):
    """`ALTER TYPE … ADD VALUE` without `BEFORE`/`AFTER`.

    ## What it does
    Finds enum values added without a position.

    ## Why is this bad?
    The value goes to the end of the enum's sort order, which silently changes the result of `<`, `>`
    and `ORDER BY` on the column.

    ## Example
    ```sql
    ALTER TYPE size ADD VALUE 'medium';
    ```

    ## Use instead
    ```sql
    ALTER TYPE size ADD VALUE 'medium' AFTER 'small';
    ```
    """

    code, name, severity, dialects = "SL618", "enum-value-unordered", "info", ("postgres",)
    kinds = frozenset({"AlterEnumStmt"})

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if not n.get("oldVal") and not n.get("newValNeighbor"):
            ctx.report(self, stmt, f"enum value {n.get('newVal')!r} is added at the end of the sort order")


class SL619(Rule):
    """A concurrent index build for a PostgreSQL 14.0–14.3 target.

    ## What it does
    With `--target postgres=14.x` (x < 4), finds `CREATE INDEX CONCURRENTLY` and `REINDEX … CONCURRENTLY`.

    ## Why is this bad?
    A bug in PostgreSQL 14.0–14.3 can silently corrupt indexes built or rebuilt concurrently.

    ## Example
    ```sql
    CREATE INDEX CONCURRENTLY idx_users_email ON users (email);  -- on 14.2
    ```

    ## Use instead
    ```text
    Upgrade to PostgreSQL 14.4 or later first.
    ```
    """

    code, name, severity, dialects = "SL619", "concurrent-index-corruption-pg14", "error", ("postgres",)
    kinds = frozenset({"IndexStmt", "ReindexStmt"})
    help = "upgrade the server to PostgreSQL 14.4+ before building indexes concurrently"

    def check_stmt(self, stmt, ctx) -> None:
        t = ctx.target()
        if t is None or not ((14,) <= t < (14, 4)) or t == (14,):
            return
        conc = stmt.node.get("concurrent") if stmt.kind == "IndexStmt" else _concurrent_param(stmt.node)
        if conc:
            ctx.report(self, stmt, f"concurrent index builds can corrupt indexes on PostgreSQL "
                       f"{'.'.join(map(str, t))}")
