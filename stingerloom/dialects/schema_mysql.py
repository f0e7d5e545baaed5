"""MySQL's and MariaDB's schema SQL: ``MODIFY COLUMN``, ``RENAME TABLE``, ``DROP FOREIGN KEY``,
``AUTO_INCREMENT``, and introspection through ``information_schema`` of the current database (five
queries whatever the number of tables)."""

from __future__ import annotations

import re
from typing import Any, Optional, Sequence

from ..schema.model import Check, Column, ForeignKey, Index, Schema, Table
from ..schema.types import is_numeric_type, portable_type
from .schema_base import SIMPLE_DEFAULT, SchemaImpl, enclosed, fk_action, is_history

_INTEGERS = ("tinyint", "smallint", "mediumint", "int", "integer", "bigint")
_STRING_LITERAL = re.compile(r"'(?:[^']|'')*'", re.S)
#: MySQL's string escapes (https://dev.mysql.com/doc/refman/8.0/en/string-literals.html); any other
#: backslashed character stands for itself
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


def standard_literal(text: str) -> str:
    """A MySQL string literal as MariaDB reports a default (``'it\\'s a \\\\ thing'``) written as a
    standard SQL one (``'it''s a \\ thing'``), as schema files hold them; any other text as is."""
    if len(text) < 2 or text[0] != "'" or text[-1] != "'":
        return text
    out, i, end = [], 1, len(text) - 1
    while i < end:
        ch = text[i]
        if ch == "\\" and i + 1 < end:
            nxt = text[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt if nxt in "%_" else nxt))  # \% and \_ keep their backslash
            i += 2
        elif ch == "'":
            if text[i + 1] != "'" or i + 1 >= end:
                return text  # not one literal (e.g. 'a' 'b')
            out.append("'")
            i += 2
        else:
            out.append(ch)
            i += 1
    if i != end:
        return text
    return "'" + "".join(out).replace("'", "''") + "'"


class MySQLSchema(SchemaImpl):
    name = "mysql"
    identity_suffix = "AUTO_INCREMENT"  # MySQL's only identity: a column attribute
    unquoted_string_defaults = True  # MySQL 8 reports string defaults without their quotes
    # https://dev.mysql.com/doc/refman/8.0/en/identifiers.html: 64 characters, of the Basic Multilingual Plane
    max_identifier_length = 64
    identifier_bmp_only = True

    render_types = {
        "integer": "int", "bigint": "bigint", "smallint": "smallint", "varchar": "varchar{args}",
        "text": "text", "boolean": "tinyint(1)", "date": "date", "timestamp": "datetime",
        "numeric": "decimal{args}", "real": "float", "double": "double", "json": "json",
        "uuid": "char(36)", "blob": "longblob",
    }
    type_aliases = {
        "integer": "int", "bool": "tinyint(1)", "boolean": "tinyint(1)", "character varying": "varchar",
        "numeric": "decimal", "dec": "decimal", "double precision": "double", "real": "double",
        "character": "char", "timestamp": "datetime",
    }
    portable_of = {"int": "integer", "bigint": "bigint", "smallint": "smallint", "varchar": "varchar",
                   "text": "text", "tinyint(1)": "boolean", "date": "date", "datetime": "timestamp",
                   "decimal": "numeric", "float": "real", "double": "double", "json": "json",
                   "char(36)": "uuid", "longblob": "blob"}
    fixed_args = ("boolean",)  # tinyint(1)

    # -- types ------------------------------------------------------------------------------------
    def adjust_type(self, name: str, args: str, rest: str) -> tuple[str, str, str]:
        if name in _INTEGERS:  # display widths mean nothing to the values; tinyint(1) is the boolean
            return ("boolean" if name == "tinyint" and args == "(1)" else name), "", rest
        return name, args, rest

    def finish_type(self, out: str) -> str:
        if out == "decimal":
            return "decimal(10,0)"
        if out.startswith("decimal") and "," not in out:
            return out[:-1] + ",0)"
        return out

    # -- DDL ----------------------------------------------------------------------------------------
    def wrap_default(self, text: str) -> str:
        # a schema file's string literal is standard SQL, where a backslash is itself; in MySQL's it
        # starts an escape ('a\b' would store a backspace, and never match the file again)
        if "\\" in text and _STRING_LITERAL.fullmatch(text):
            return text.replace("\\", "\\\\")
        # an expression default goes in parentheses (MariaDB refused DEFAULT 1 + 2); CURRENT_TIMESTAMP needs none
        if (not SIMPLE_DEFAULT.match(text) and not enclosed(text)
                and not re.match(r"(?i)current_timestamp", text)):
            return f"({text})"
        return text

    def render_rename_table(self, op: Any, inline_fks: dict) -> list[str]:
        return [f"RENAME TABLE {self.t(op.table)} TO {self.t(op.new_name)}"]

    def render_modify_column(self, op: Any, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} MODIFY COLUMN {self.column_def(op.new)}"]

    def render_set_primary_key(self, op: Any, inline_fks: dict) -> list[str]:
        parts = []
        if op.old:
            parts.append("DROP PRIMARY KEY")
        if op.new:
            parts.append(f"ADD PRIMARY KEY ({self.cols(op.new)})")
        return [f"ALTER TABLE {self.t(op.table)} " + ", ".join(parts)]

    def render_drop_index(self, op: Any, inline_fks: dict) -> list[str]:
        ix = op.index
        if op.fk_guard is not None:  # keep an index for the foreign key, as InnoDB requires
            return [f"ALTER TABLE {self.t(op.table)} DROP INDEX {self.q(ix.name)}, "
                    f"ADD INDEX {self.q(op.fk_guard.name)} ({self.cols(op.fk_guard.columns)})"]
        return [f"DROP INDEX {self.q(ix.name)} ON {self.t(op.table)}"]

    def render_drop_foreign_key(self, op: Any, inline_fks: dict) -> list[str]:
        t = self.t(op.table)
        out = [f"ALTER TABLE {t} DROP FOREIGN KEY {self.q(op.fk.name)}"]
        if not op.covered:  # the index InnoDB created for the key stays behind otherwise
            out.append(f"DROP INDEX {self.q(op.fk.name)} ON {t}")
        return out

    # -- introspection --------------------------------------------------------------------------------
    def introspect(self, d: Any, history: str, schemas: Optional[Sequence[str]] = None) -> Schema:
        return _Reader(d, history).read()


class _Reader:
    """One introspection of the current MySQL/MariaDB database."""

    def __init__(self, d: Any, history: str) -> None:
        self.d = d
        self.history = history
        version = d.execute("SELECT VERSION()")[0][0] or ""
        self.mariadb = "mariadb" in version.lower()
        self.schema = Schema()
        self.tables = self.schema.tables
        self.json_cols: set[tuple[str, str]] = set()
        self.checks: list[tuple[str, str, str]] = []

    def read(self) -> Schema:
        for kind, name in self.d.execute(
                "SELECT TABLE_TYPE, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                "AND TABLE_TYPE IN ('BASE TABLE', 'VIEW') UNION ALL SELECT 'TRIGGER', "
                "CONCAT(TRIGGER_NAME, ' on ', EVENT_OBJECT_TABLE) FROM information_schema.TRIGGERS "
                "WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1, 2"):
            if kind != "BASE TABLE":  # outside the declarative model
                self.schema.skipped.append(f"{kind.lower()} {name}")
            elif not is_history(name, self.history):
                self.tables[name] = Table(name=name)
        if not self.tables:
            return self.schema
        self.read_checks()
        self.read_columns()
        idx = self.read_index_columns()
        self.read_foreign_keys()
        self.add_indexes(idx)
        for tname_, cname, clause in self.checks:
            if tname_ in self.tables:
                self.tables[tname_].checks[cname] = Check(cname, clause)
        for t in self.tables.values():
            for c in t.primary_key:
                t.columns[c].nullable = False
        return self.schema

    def read_checks(self) -> None:
        if not self.mariadb:
            self.checks = list(self.d.execute(
                "SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE FROM information_schema.TABLE_CONSTRAINTS tc "
                "JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA "
                "AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME WHERE tc.TABLE_SCHEMA = DATABASE() "
                "AND tc.CONSTRAINT_TYPE = 'CHECK' ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME"))
            return
        rows = self.d.execute("SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL FROM information_schema.CHECK_CONSTRAINTS "
                              "WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME")
        for tname_, cname, clause, level in rows:
            m = re.fullmatch(r"\s*json_valid\(`((?:[^`]|``)+)`\)\s*", clause or "", re.I)
            if level == "Column" and m:  # MariaDB's json is longtext with this check
                self.json_cols.add((tname_, m.group(1).replace("``", "`")))
            elif level != "Column":
                self.checks.append((tname_, cname, clause))

    def read_columns(self) -> None:
        for tname_, name, ctype, nullable, dflt, extra in self.d.execute(
                "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA "
                "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                "ORDER BY TABLE_NAME, ORDINAL_POSITION"):
            t = self.tables.get(tname_)
            if t is None:
                continue
            extra = (extra or "").lower()
            if isinstance(ctype, bytes):
                ctype = ctype.decode()
            if (tname_, name) in self.json_cols and ctype.lower() == "longtext":
                ctype = "json"
            ptype = portable_type(ctype, MySQLSchema.name)
            if re.search(r"\b(virtual|stored|persistent) generated\b", extra):
                self.schema.skipped.append(f"generated column {tname_}.{name} (dumped as a plain column: its expression is not kept)")
            t.columns[name] = Column(name, ptype, nullable == "YES", self.default(dflt, ptype, extra),
                                     "auto_increment" in extra)

    def default(self, dflt: Optional[str], ptype: str, extra: str) -> Optional[str]:
        """A column default as SQL text: MySQL 8 reports a string default without its quotes."""
        if dflt is not None and not self.mariadb and "default_generated" not in extra:
            if not is_numeric_type(ptype, MySQLSchema.name) and not dflt.upper().startswith("CURRENT_TIMESTAMP"):
                dflt = "'" + dflt.replace("'", "''") + "'"
        if dflt is not None and dflt.upper() == "NULL":
            return None
        if dflt is not None and self.mariadb:  # MariaDB reports a string default as a MySQL literal
            dflt = standard_literal(dflt)
        return dflt

    def read_index_columns(self) -> dict[tuple[str, str], list]:
        idx: dict[tuple[str, str], list] = {}
        for tname_, iname, non_unique, _seq, col in self.d.execute(
                "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME FROM information_schema.STATISTICS "
                "WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"):
            if tname_ in self.tables:
                idx.setdefault((tname_, iname), [not int(non_unique)]).append(col)
        return idx

    def read_foreign_keys(self) -> None:
        fk_rows = self.d.execute(
            "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, "
            "r.UPDATE_RULE, r.DELETE_RULE FROM information_schema.KEY_COLUMN_USAGE k "
            # LEFT: a user without a privilege on the referenced table sees the key but not its rules
            "LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
            "AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME "
            "WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL "
            "ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION")
        for tname_, cname, col, rtable, rcol, upd, dele in fk_rows:
            t = self.tables.get(tname_)
            if t is None:
                continue
            fk = t.foreign_keys.get(cname)
            if fk is None:
                t.foreign_keys[cname] = ForeignKey(cname, (col,), rtable, (rcol,), fk_action(dele), fk_action(upd))
            else:
                fk.columns += (col,)
                fk.ref_columns += (rcol,)

    def add_indexes(self, idx: dict[tuple[str, str], list]) -> None:
        for (tname_, iname), (unique, *cols) in idx.items():
            t = self.tables[tname_]
            if iname == "PRIMARY":
                t.primary_key = tuple(cols)
                continue
            fk = t.foreign_keys.get(iname)
            if fk is not None and tuple(cols[:len(fk.columns)]) == fk.columns and not unique:
                continue  # the index InnoDB made for the foreign key of the same name
            t.indexes[iname] = Index(iname, tuple(cols), bool(unique))
