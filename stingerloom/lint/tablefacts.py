"""What the DDL of one table says, worked out only when a rule asks.

The engine records, per table, the text of each CREATE TABLE, ALTER TABLE and CREATE INDEX (a list of
strings it already holds). A rule that needs to know the table's unique keys, its validated
``CHECK (c IS NOT NULL)`` constraints or (MySQL) its column definitions asks the catalog, which replays
that list once and caches the answer until the list grows. Few statements ever ask, so long manifests
pay almost nothing for it (bench/lint_bench.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import actions


@dataclass
class TableFacts:
    columns: dict = field(default_factory=dict)  # MySQL/SQLite: column -> (type, mods, rest of definition)
    uniques: list = field(default_factory=list)  # [frozenset of columns]: unique and primary keys
    not_null: set = field(default_factory=set)  # PostgreSQL: columns with a validated CHECK (c IS NOT NULL)
    charset: str | None = None  # MySQL: the table's default character set

    @classmethod
    def of(cls, dialect: str, ddl: list[str]) -> "TableFacts":
        tf = cls()
        from .dialect import traits

        if traits(dialect).parse_tree:
            tf._replay_pg(ddl)
        else:
            tf._replay_text(ddl)
        return tf

    def _unique(self, cols) -> None:
        cols = frozenset(c for c in cols if c)
        if cols:
            self.uniques.append(cols)

    # PostgreSQL -----------------------------------------------------------------------------------
    def _replay_pg(self, ddl: list[str]) -> None:
        from .extract_pg import actions as pg_actions
        from .parse import parse_pg

        checks: dict[str, tuple[str, bool]] = {}  # constraint -> (column, validated)
        for sql in ddl:
            for p in parse_pg(sql):
                for a in pg_actions(p.kind, p.node):
                    replay = _PG_REPLAY.get(type(a))
                    if replay is not None:
                        replay(self, a, checks)
        self.not_null = {col for col, valid in checks.values() if valid}

    def _pg_create(self, a, checks: dict) -> None:
        self.uniques.clear()
        checks.clear()
        self._pg_columns(a.columns)
        for key in a.keys:
            self._unique(key)

    def _pg_columns(self, columns) -> None:
        for col in columns:
            if col.unique:
                self._unique([col.name])

    def _pg_index(self, a, checks: dict) -> None:
        if a.unique and not a.partial and all(a.columns):
            self._unique(a.columns)

    def _pg_constraint(self, a, checks: dict) -> None:
        if a.kind in ("primary", "unique"):
            self._unique(a.columns)
        if a.not_null_column:
            checks[a.name or f"?{len(checks)}"] = (a.not_null_column, not a.not_valid)

    def _pg_validate(self, a, checks: dict) -> None:
        if a.name in checks:
            checks[a.name] = (checks[a.name][0], True)

    # MySQL / SQLite -------------------------------------------------------------------------------
    def _replay_text(self, ddl: list[str]) -> None:
        from .facts import (
            alter_actions,
            classify,
            create_table_parts,
            rx,
            strip_sql,
            text_alter_column,
            text_coldef,
            text_key_columns,
        )

        for sql in ddl:
            kind = classify(sql)
            if kind == "CreateStmt":
                self.columns.clear()
                self.uniques.clear()
                _, elems, opts = create_table_parts(sql)
                cm = rx(r"\b(?:CHARSET|CHARACTER\s+SET)\s*=?\s*(\w+)").search(opts)
                self.charset = cm.group(1).lower() if cm else None
                for _, el in elems:
                    self._element(text_coldef(el), el, "")
            elif kind == "IndexStmt":
                text = strip_sql(sql)
                m = rx(r"\s*CREATE\s+UNIQUE\s+INDEX\b[^(]*?\bON\s+\S+\s*(?=\()").match(text)
                if m and not rx(r"\bWHERE\b").search(text, m.end()):
                    self._unique(text_key_columns(text[m.end():]))
            else:
                for _, act in alter_actions(sql)[1]:
                    col = text_alter_column(act)
                    if col and col[1] and col[1] != col[2][0]:
                        self.columns.pop(col[1], None)
                    self._element(col[2] if col else None, act, r"ADD\s+")

    def _element(self, cd, text: str, lead: str) -> None:
        """One column definition (``cd`` from text_coldef) or key clause (``text``)."""
        from .facts import rx, text_key_columns

        if cd:
            self.columns[cd[0]] = cd[1:]
            if rx(r"\b(?:PRIMARY\s+KEY|UNIQUE)\b").search(cd[3]):
                self._unique([cd[0]])
            return
        m = rx(lead + r"(?:CONSTRAINT\s+\S+\s+)?(?:PRIMARY\s+KEY|UNIQUE(?:\s+(?:KEY|INDEX))?(?:\s+(?!\()\S+)?)\s*(?=\()").match(text)
        if m:
            self._unique(text_key_columns(text[m.end():]))


_PG_REPLAY = {
    actions.CreateTable: TableFacts._pg_create,
    actions.CreateIndex: TableFacts._pg_index,
    actions.AddColumn: lambda tf, a, checks: tf._pg_columns([a.column]),
    actions.AddConstraint: TableFacts._pg_constraint,
    actions.ValidateConstraint: TableFacts._pg_validate,
    actions.DropConstraint: lambda tf, a, checks: checks.pop(a.name, None),
}
