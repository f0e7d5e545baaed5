"""What the DDL of one table says, worked out only when a rule asks.

The engine records, per table, the text of each CREATE TABLE, ALTER TABLE and CREATE INDEX (a list of
strings it already holds). A rule that needs to know the table's unique keys, its validated
``CHECK (c IS NOT NULL)`` constraints or (MySQL) its column definitions asks the catalog, which replays
that list once and caches the answer until the list grows. Few statements ever ask, so long manifests
pay almost nothing for it (bench/lint_bench.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TableFacts:
    columns: dict = field(default_factory=dict)  # MySQL/SQLite: column -> (type, mods, rest of definition)
    uniques: list = field(default_factory=list)  # [frozenset of columns]: unique and primary keys
    not_null: set = field(default_factory=set)  # PostgreSQL: columns with a validated CHECK (c IS NOT NULL)
    charset: str | None = None  # MySQL: the table's default character set

    @classmethod
    def of(cls, dialect: str, ddl: list[str]) -> "TableFacts":
        tf = cls()
        if dialect == "postgres":
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
        from .facts import pg_cmds, pg_constraints, pg_names
        from .parse import parse_pg

        checks: dict[str, tuple[str, bool]] = {}  # constraint -> (column, validated)
        for sql in ddl:
            for p in parse_pg(sql):
                n = p.node
                if n is None:
                    continue
                if p.kind == "CreateStmt":
                    self.uniques.clear()
                    checks.clear()
                    for el in n.get("tableElts", ()) or ():
                        cd = el.get("ColumnDef")
                        if cd and any(c.get("contype") in ("CONSTR_PRIMARY", "CONSTR_UNIQUE") for c in pg_constraints(cd)):
                            self._unique([cd.get("colname")])
                        con = el.get("Constraint")
                        if con and con.get("contype") in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
                            self._unique(pg_names(con.get("keys")))
                elif p.kind == "IndexStmt":
                    names = [e.get("IndexElem", {}).get("name") for e in n.get("indexParams") or ()]
                    if n.get("unique") and not n.get("whereClause") and all(names):
                        self._unique(names)
                elif p.kind == "AlterTableStmt":
                    for c in pg_cmds(n):
                        sub, d = c.get("subtype"), c.get("def") or {}
                        if sub == "AT_AddColumn" and "ColumnDef" in d:
                            cd = d["ColumnDef"]
                            if any(k.get("contype") in ("CONSTR_PRIMARY", "CONSTR_UNIQUE") for k in pg_constraints(cd)):
                                self._unique([cd.get("colname")])
                        elif sub == "AT_AddConstraint" and "Constraint" in d:
                            con = d["Constraint"]
                            if con.get("contype") in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
                                self._unique(pg_names(con.get("keys")))
                            col = not_null_check(con)
                            if col:
                                checks[con.get("conname") or f"?{len(checks)}"] = (col, not con.get("skip_validation"))
                        elif sub == "AT_ValidateConstraint" and c.get("name") in checks:
                            checks[c["name"]] = (checks[c["name"]][0], True)
                        elif sub == "AT_DropConstraint":
                            checks.pop(c.get("name"), None)
        self.not_null = {col for col, valid in checks.values() if valid}

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


def not_null_check(con: dict) -> str | None:
    """The column of a PostgreSQL ``CHECK (c IS NOT NULL)`` constraint, else None."""
    if con.get("contype") != "CONSTR_CHECK":
        return None
    nt = (con.get("raw_expr") or {}).get("NullTest")
    if not nt or nt.get("nulltesttype") != "IS_NOT_NULL":
        return None
    from .facts import pg_names

    fields = pg_names((nt.get("arg") or {}).get("ColumnRef", {}).get("fields"))
    return fields[-1] if len(fields) == 1 else None
