"""SL402 require-inverse-down: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..actions import AddColumn, CreateIndex, CreateObject, Drop, DropColumn
from ..api import Rule
from ..model import Finding


def _created(stmts) -> dict:
    """Objects the statements create: {(kind, name): statement}."""
    out = {}
    for st in stmts:
        if st.kind == "CreateStmt":
            out[("table", st.table)] = st
        for a in st.actions:
            if isinstance(a, CreateObject):
                out[(a.kind, a.name)] = st
            elif isinstance(a, CreateIndex) and a.name and st.kind in ("IndexStmt", "AlterTableStmt"):
                out[("index", a.name)] = st
            elif isinstance(a, AddColumn):
                out[("column", f"{st.table}.{a.column.name}")] = st
    return out


_DROPPED_KINDS = {"OBJECT_TABLE": "table", "OBJECT_INDEX": "index", "OBJECT_VIEW": "view", "OBJECT_TRIGGER": "trigger",
                  "OBJECT_TYPE": "type"}


def _dropped(stmts) -> dict:
    """Objects the statements drop: {(kind, name): statement}."""
    out = {}
    for st in stmts:
        for a in st.actions:
            if isinstance(a, Drop) and a.kind in _DROPPED_KINDS:
                for name in a.names:
                    out[(_DROPPED_KINDS[a.kind], name)] = st
            elif isinstance(a, DropColumn):
                out[("column", f"{st.table}.{a.column}")] = st
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

    code, name, severity, dialects = "SL402", "require-inverse-down", "warning", ("postgres", "sqlite")
    aliases = ("down-not-inverse",)  # its earlier name: --explain still takes it
    # a repeatable's rollback re-applies its previous definition: its down is not the undo
    for_repeatable = False
    help = "make down drop what up creates, and nothing else"

    def check_migration(self, ctx) -> None:
        if ctx.migration.irreversible or not ctx.down:
            return
        if ctx.traits.replays:
            self._check_sqlite(ctx)
            return
        if not ctx.traits.checks_inverse_by_name or any(st.error for st in ctx.up) \
                or any(st.error for st in ctx.down):
            return
        made = _created(ctx.up)
        dropped = _dropped(ctx.down)
        dropped_tables = {n for k, n in dropped if k == "table"}
        made_tables = None
        for key, st in made.items():
            if key in dropped:
                continue
            kind, name = key
            owner = name.split(".")[0] if kind == "column" else None
            if owner and owner in dropped_tables:
                continue
            if kind in ("index", "trigger"):
                tbl = st.table
                if tbl in dropped_tables:
                    continue
            if kind == "column":
                if made_tables is None:
                    made_tables = {n for k, n in made if k == "table"}
                if owner in made_tables:
                    continue
            ctx.report(self, st, f"up creates the {kind} {name!r}, down does not drop it")

    def _check_sqlite(self, ctx) -> None:
        """SQLite: the engine really ran up, then down (see parse.SqliteReplay); compare the schemas."""
        before, after_down = ctx.sqlite_before, ctx.sqlite_after_down
        if after_down is None or after_down == before:
            return  # not replayed, or down restored every object exactly
        found = []
        for key in sorted(set(after_down) - set(before)):
            found.append(f"down leaves the {key[0]} {key[1]!r} that up creates")
        for key in sorted(set(before) - set(after_down)):
            found.append(f"after up and down, the {key[0]} {key[1]!r} that existed before is gone")
        for key in sorted(set(before) & set(after_down)):
            if before[key][:2] != after_down[key][:2]:
                found.append(f"after up and down, the {key[0]} {key[1]!r} differs from before")
        if not found:
            return
        where = ctx.down[0]
        line, col = where.pos()
        for msg in found:
            ctx.run.add(self, msg + " (checked by running up, then down, in SQLite)", where.source.file, line, col,
                        ctx.migration, ctx.dialect)

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
