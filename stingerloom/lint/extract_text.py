"""MySQL and SQLite statements (and PostgreSQL ones pglast could not parse) to actions
(:mod:`.actions`), from the statement text.

The text helpers in :mod:`.facts` (``alter_actions``, ``create_table_parts``, ``text_coldef``, …) work
on the statement with comments and literals blanked, so a keyword in a string is never read as SQL.
"""

from __future__ import annotations

import re

from .actions import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    Column,
    CreateIndex,
    CreateTable,
    Deferred,
    Drop,
    DropColumn,
    DropConstraint,
    Lock,
    Rename,
    SetVariable,
    Transaction,
    WriteRows,
)
from .facts import (
    alter_actions,
    create_table_head,
    create_table_parts,
    last_part,
    rx,
    rx_is,
    split_top,
    text_alter_column,
    text_coldef,
    text_default_repeats,
    text_key_columns,
    transaction_word,
)

_KEY_CLAUSE = r"(?:CONSTRAINT\s+\S+\s+)?(PRIMARY\s+KEY|UNIQUE)\b[^(]*(?=\()"
_NOT_DROPPED_COLUMN = ("INDEX", "KEY", "PRIMARY", "FOREIGN", "CONSTRAINT", "CHECK", "PARTITION")


def actions(stmt) -> tuple:
    """The actions of one statement, read from its text (a builder returns a tuple, or yields its
    actions when it finds several)."""
    build = _BUILDERS.get(stmt.kind)
    return tuple(build(stmt)) if build else ()


# One pass over a column definition's clauses: 1 a key, 2 NOT NULL, 3 filled by the database
# (3 and 4: auto-increment)
_COLUMN_WORDS = re.compile(r"\b(?:(PRIMARY\s+KEY|UNIQUE)|(NOT\s+NULL)|(DEFAULT|AS\s*\(|GENERATED)"
                           r"|(AUTO_INCREMENT)|(AUTOINCREMENT|SERIAL))\b", re.I)


def _column(cd, at: int | None = None) -> Column:
    name, typ, mods, rest = cd
    found = {m.lastindex for m in _COLUMN_WORDS.finditer(rest)}
    auto = 4 in found or 5 in found or "serial" in typ.split()
    return Column(name, typ, mods, 1 in found, 2 in found, bool(found & {3, 4}), auto, at)


_NOT_PLAIN = re.compile(r"\s*CREATE\s+(?:GLOBAL\s+|LOCAL\s+)?(TEMP|TEMPORARY|VIRTUAL)\b", re.I)
_LIKE = re.compile(r"\bLIKE\b", re.I)
_PRIMARY_KEY = re.compile(r"\bPRIMARY\s+KEY\b", re.I)


def _create_table(stmt):
    sql = stmt.sql
    name, has_elements = create_table_head(sql)
    # the columns and keys: read only when a rule asks (most CREATE TABLE statements: none does)
    parts = Deferred(lambda: _table_elements(create_table_parts(sql)[1]))
    text, up = stmt.stripped, stmt.upper  # the keyword tests on `up` spare most statements the regex
    plain = has_elements and not (("TEMP" in up or "VIRTUAL" in up) and _NOT_PLAIN.match(text)
                                 or "LIKE" in up and _LIKE.search(text[:200]))
    return (CreateTable(name, Deferred(lambda: parts[0]), Deferred(lambda: parts[1]),
                        "PRIMARY" in up and bool(_PRIMARY_KEY.search(text)), (), plain),)


def _table_elements(elems) -> tuple[tuple, tuple]:
    """(the column definitions, the columns of each PRIMARY KEY / UNIQUE constraint) of a CREATE TABLE."""
    cols, keys = [], []
    for off, el in elems:
        cd = text_coldef(el)
        if cd is not None:
            cols.append(_column(cd, off))
            continue
        m = rx(_KEY_CLAUSE).match(el)
        if m:
            keys.append(tuple(text_key_columns(el[m.end():])))
    return tuple(cols), tuple(keys)


def _alter_table(stmt):
    table, acts = alter_actions(stmt.sql)
    for off, act in acts:
        yield from _alter_action(table, off, act)


def _alter_action(table, off: int, act: str):
    """The actions of one ALTER TABLE action, chosen by its first word."""
    word = act.split(None, 1)[0].upper() if act else ""
    if word in ("ADD", "MODIFY", "CHANGE"):
        yield from _add_or_modify(table, off, act)
    elif word == "DROP":
        yield from _drop_action(table, off, act)
    elif word == "RENAME":
        yield from _rename_action(table, off, act)


def _add_or_modify(table, off: int, act: str):
    col = text_alter_column(act)
    if col is not None:
        verb, old, cd = col
        if verb == "ADD":
            c = _column(cd, off)
            stored = (off,) if rx(r"\bSTORED\b").search(act) else ()
            yield AddColumn(table, c, off, text_default_repeats(cd[3]), (off,) if c.unique else (), (), stored)
        else:  # MODIFY, CHANGE
            yield AlterColumnType(table, old or cd[0], cd[1], cd[2], off, off)
        yield from _renamed_column(table, off, act)
        return
    m = rx(r"ADD\s+" + _KEY_CLAUSE).match(act)
    if m:
        kind = "primary" if m.group(1).upper().startswith("PRIMARY") else "unique"
        yield AddConstraint(table, kind, tuple(text_key_columns(act[m.end():])), at=off)
        return
    m = rx(r"ADD\s+(?:CONSTRAINT\s+(?:(?!FOREIGN\b|CHECK\b)\S+\s+)?)?(?:(CHECK)\s*\(|FOREIGN\s+KEY)").match(act)
    if m:
        yield AddConstraint(table, "check" if m.group(1) else "foreign", at=off)
        return
    yield from _renamed_column(table, off, act)


def _drop_action(table, off: int, act: str):
    if rx(r"DROP\s+(CONSTRAINT|FOREIGN\s+KEY|CHECK|PRIMARY\s+KEY)\b").match(act):
        yield DropConstraint(table, None, off)
        return
    m = rx(r"DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(`[^`]+`|\"[^\"]+\"|\w+)").match(act)
    if m and m.group(1).upper() not in _NOT_DROPPED_COLUMN:
        yield DropColumn(table, m.group(1).strip('`"'), off)


def _rename_action(table, off: int, act: str):
    m = rx(r"RENAME\s+(?:TO|AS)\s+(\S+)").match(act)
    if m:
        yield Rename("table", table, table, m.group(1).strip('`"').lower(), off)
        return
    m = rx(r"RENAME\s+(?:COLUMN\s+)?(\S+)\s+TO\s+(\S+)").match(act)
    if m and m.group(1).upper() not in ("INDEX", "KEY"):
        yield Rename("column", table, m.group(1).strip('`"'), m.group(2).strip('`"'), off)
        return


def _renamed_column(table, off: int, act: str):
    """MySQL ``CHANGE old new …`` renames the column when the names differ."""
    m = rx(r"CHANGE\s+(?:COLUMN\s+)?(\S+)\s+(\S+)").match(act)
    if m and m.group(1).strip('`"').lower() != m.group(2).strip('`"').lower():
        yield Rename("column", table, m.group(1).strip('`"'), m.group(2).strip('`"'), off)


def _rename_table(stmt):
    """MySQL ``RENAME TABLE a TO b, c TO d``."""
    text = re.sub(r"^\s*RENAME\s+TABLE\s+", lambda m: " " * len(m.group(0)), stmt.stripped, flags=re.I)
    for off, part in split_top(text):
        m = rx(r"\s*(\S+)\s+TO\s+(\S+)").match(part)
        if m:
            old = m.group(1).strip('`"').lower()
            yield Rename("table", old, old, m.group(2).strip('`"').lower(), off)


def _index(stmt):
    text = stmt.stripped
    m = "UNIQUE" in stmt.upper and rx(r"\s*CREATE\s+UNIQUE\b[^(]*?\bON\s+\S+\s*(?=\()").match(text)
    if m:
        return (CreateIndex(stmt.table, None, tuple(text_key_columns(text[m.end():])), True),)
    return (CreateIndex(stmt.table, None),)


def _drop(stmt):
    m = rx(r"\s*DROP\s+(?:TEMPORARY\s+)?(\w+)").match(stmt.stripped)
    kind = ("OBJECT_" + m.group(1).upper()) if m else None
    m = rx_is(r"\s*DROP\s+(?:TEMPORARY\s+)?\w+\s+(?:IF\s+EXISTS\s+)?([^;]+)").match(stmt.stripped)
    names = [last_part(p.strip().split()[0]) for p in m.group(1).split(",") if p.strip()] if m else []
    if_exists = bool(rx(r"\s*DROP\s+(?:TEMPORARY\s+)?\w+\s+IF\s+EXISTS\b").match(stmt.stripped))
    return (Drop(kind, tuple(names), False, if_exists),)


def _write(verb: str):
    def build(stmt):
        where = verb != "INSERT" and bool(rx(r"\bWHERE\b").search(stmt.stripped))
        return (WriteRows(verb, stmt.table, where, verb == "INSERT" and bool(rx(r"\bSELECT\b").search(stmt.stripped))),)
    return build


_SET_ASSIGNMENT = (r"(?:\A\s*SET\s+|,\s*)(?:(?:SESSION|GLOBAL|PERSIST)\s+|@@(?:SESSION\.|GLOBAL\.)?)?"
                   r"(\w+)\s*(?::?=|\bTO\b)\s*(\w+)?")


def _set(stmt):
    """Every ``name = value`` of a SET (MySQL takes several, separated by commas)."""
    text = stmt.stripped
    if not rx(r"\s*SET\s").match(text):
        return
    for m in rx(_SET_ASSIGNMENT).finditer(text):
        yield SetVariable(m.group(1).lower(), (m.group(2) or "").upper() == "DEFAULT")


_BUILDERS = {
    "CreateStmt": _create_table,
    "CreateTableAsStmt": lambda stmt: (CreateTable(stmt.table),),
    "AlterTableStmt": _alter_table,
    "IndexStmt": _index,
    "DropStmt": _drop,
    "RenameStmt": _rename_table,
    "Other": lambda stmt: (Lock(True),) if rx(r"\s*LOCK\s+TABLES?\b").match(stmt.stripped) else (),
    "VariableSetStmt": _set,
    "TransactionStmt": lambda stmt: (Transaction(transaction_word(stmt.sql)),),
    "InsertStmt": _write("INSERT"),
    "UpdateStmt": _write("UPDATE"),
    "DeleteStmt": _write("DELETE"),
}
