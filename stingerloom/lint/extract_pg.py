"""PostgreSQL statements to actions (:mod:`.actions`), from pglast's JSON parse tree.

This is the one module that knows the layout of pglast's JSON for the actions (rules that need more
of the tree still read ``stmt.node``).
"""

from __future__ import annotations

from .actions import (
    AddColumn,
    AddConstraint,
    AlterColumnType,
    Column,
    CreateIndex,
    CreateObject,
    CreateTable,
    Drop,
    DropColumn,
    DropConstraint,
    Lock,
    Rename,
    SetVariable,
    Transaction,
    ValidateConstraint,
    WriteRows,
)
from .facts import SERIAL_TYPES, loc, pg_cmds, pg_constraints, pg_default_repeats, pg_names, pg_type

_KEY_TYPES = ("CONSTR_PRIMARY", "CONSTR_UNIQUE")
_KEY_TYPES_SET = frozenset(_KEY_TYPES)
_NOT_NULL_TYPES = frozenset({"CONSTR_NOTNULL", "CONSTR_PRIMARY"})
_FILLED_TYPES = frozenset({"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"})
_CONSTRAINT_KIND = {"CONSTR_PRIMARY": "primary", "CONSTR_UNIQUE": "unique", "CONSTR_CHECK": "check",
                    "CONSTR_FOREIGN": "foreign", "CONSTR_EXCLUSION": "exclusion", "CONSTR_NOTNULL": "not null",
                    "CONSTR_DEFAULT": "default"}
_TX_WORDS = {"TRANS_STMT_BEGIN": "BEGIN", "TRANS_STMT_START": "BEGIN", "TRANS_STMT_COMMIT": "COMMIT",
             "TRANS_STMT_ROLLBACK": "ROLLBACK", "TRANS_STMT_PREPARE": "PREPARE"}


def actions(kind: str, node: dict | None) -> tuple:
    """The actions of one parsed statement (none for a statement pglast could not parse). A builder
    returns a tuple, or yields its actions when it finds several."""
    if node is None:
        return ()
    build = _BUILDERS.get(kind)
    return tuple(build(node)) if build else ()


def column(cd: dict, name: str | None = None, cons: list | None = None) -> Column:
    """``cons``: the column's constraints (``pg_constraints(cd)``) when the caller has them."""
    type_name = cd.get("typeName")
    typ, mods = pg_type(type_name)
    kinds = {c.get("contype") for c in (pg_constraints(cd) if cons is None else cons)}
    serial = typ in SERIAL_TYPES
    return Column(name or cd.get("colname"), typ, tuple(mods), not kinds.isdisjoint(_KEY_TYPES_SET),
                  not kinds.isdisjoint(_NOT_NULL_TYPES), serial or not kinds.isdisjoint(_FILLED_TYPES),
                  serial or "CONSTR_IDENTITY" in kinds, loc(type_name) or loc(cd))


def _create_table(node: dict):
    rel = node.get("relation") or {}
    cols, keys, fks, primary, like = [], [], [], False, False
    for el in node.get("tableElts", ()) or ():
        cd = el.get("ColumnDef")
        if cd is not None:
            cons = pg_constraints(cd)
            cols.append(column(cd, cons=cons))
            for c in cons:
                contype = c.get("contype")
                if contype == "CONSTR_PRIMARY":
                    primary = True
                elif contype == "CONSTR_FOREIGN":
                    fks.append((cd.get("colname"), loc(c)))
        con = el.get("Constraint")
        if con and con.get("contype") in _KEY_TYPES:
            keys.append(tuple(pg_names(con.get("keys"))))
            primary = primary or con.get("contype") == "CONSTR_PRIMARY"
        elif con and con.get("contype") == "CONSTR_FOREIGN":
            fks.append(((pg_names(con.get("fk_attrs")) or [None])[0], loc(con)))
        like = like or "TableLikeClause" in el
    plain = not (like or rel.get("relpersistence") == "t" or node.get("partbound") or node.get("inhRelations")
                 or node.get("ofTypename"))
    return (CreateTable(rel.get("relname"), tuple(cols), tuple(keys), primary, tuple(fks), plain),)


def _create_table_as(node: dict):
    return (CreateTable(node.get("into", {}).get("rel", {}).get("relname")),)


def _alter_table(node: dict):
    table = (node.get("relation") or {}).get("relname")
    for c in pg_cmds(node):
        build = _ALTER_CMDS.get(c.get("subtype"))
        if build is not None:
            a = build(table, c, c.get("def") or {})
            if a is not None:
                yield a


def _add_column(table, c: dict, d: dict):
    cd = d.get("ColumnDef")
    if cd is None:
        return None
    cons = pg_constraints(cd)
    return AddColumn(table, column(cd), loc(cd), pg_default_repeats(cd),
                     tuple(loc(k) for k in cons if k.get("contype") in _KEY_TYPES),
                     tuple(loc(k) for k in cons if k.get("contype") == "CONSTR_FOREIGN"),
                     tuple(loc(k) for k in cons if k.get("contype") == "CONSTR_GENERATED"))


def _alter_type(table, c: dict, d: dict):
    cd = d.get("ColumnDef")
    if cd is None:
        return None
    col = column(cd, c.get("name"))
    return AlterColumnType(table, c.get("name"), col.type, col.mods, cd.get("location"), col.type_at)


def _add_constraint(table, c: dict, d: dict):
    con = d.get("Constraint")
    if con is None:
        return None
    contype = con.get("contype", "")
    keys = con.get("fk_attrs" if contype == "CONSTR_FOREIGN" else "keys")
    return AddConstraint(table, _CONSTRAINT_KIND.get(contype, contype), tuple(pg_names(keys)),
                         con.get("conname"), loc(con), bool(con.get("skip_validation")),
                         bool(con.get("indexname")), not_null_check(con))


_ALTER_CMDS = {
    "AT_AddColumn": _add_column,
    "AT_DropColumn": lambda table, c, d: DropColumn(table, c.get("name")),
    "AT_AlterColumnType": _alter_type,
    "AT_AddConstraint": _add_constraint,
    "AT_ValidateConstraint": lambda table, c, d: ValidateConstraint(table, c.get("name")),
    "AT_DropConstraint": lambda table, c, d: DropConstraint(table, c.get("name")),
}


def _index(node: dict):
    cols = tuple(e.get("IndexElem", {}).get("name") for e in node.get("indexParams") or ())
    return (CreateIndex((node.get("relation") or {}).get("relname"), node.get("idxname"), cols,
                        bool(node.get("unique")), bool(node.get("whereClause")), bool(node.get("concurrent"))),)


def _drop(node: dict):
    names = []
    for o in node.get("objects", ()) or ():
        if "List" in o:
            parts = pg_names(o["List"].get("items"))
            names.append(parts[-1] if parts else "?")
        elif "String" in o:
            names.append(o["String"]["sval"])
    return (Drop(node.get("removeType"), tuple(names), bool(node.get("concurrent")), bool(node.get("missing_ok"))),)


def _rename(node: dict):
    rt = node.get("renameType")
    if rt == "OBJECT_TABLE":
        yield Rename("table", node["relation"]["relname"], node["relation"]["relname"], node.get("newname"))
    elif rt == "OBJECT_COLUMN" and node.get("relationType") == "OBJECT_TABLE":
        yield Rename("column", (node.get("relation") or {}).get("relname"), node.get("subname"), node.get("newname"))


def _write(verb: str):
    def build(node: dict):
        query = bool((node.get("selectStmt") or {}).get("SelectStmt", {}).get("fromClause"))
        return (WriteRows(verb, (node.get("relation") or {}).get("relname"), bool(node.get("whereClause")), query),)
    return build


_RESETS = ("VAR_RESET", "VAR_SET_DEFAULT", "VAR_RESET_ALL")


def _set(node: dict):
    return (SetVariable(node.get("name"), node.get("kind") in _RESETS, bool(node.get("is_local"))),)


def _enum(node: dict):
    names = [x["String"]["sval"] for x in node.get("typeName") or () if "String" in x]
    if names:
        yield CreateObject("type", names[-1])


_BUILDERS = {
    "CreateStmt": _create_table,
    "ViewStmt": lambda node: (CreateObject("view", node["view"]["relname"]),),
    "CreateTrigStmt": lambda node: (CreateObject("trigger", node.get("trigname")),),
    "CreateEnumStmt": _enum,
    "CreateTableAsStmt": _create_table_as,
    "AlterTableStmt": _alter_table,
    "IndexStmt": _index,
    "DropStmt": _drop,
    "RenameStmt": _rename,
    # SHARE mode (5) and stronger block writers
    "LockStmt": lambda node: (Lock((node.get("mode") or 8) >= 5),),
    "VariableSetStmt": _set,
    "TransactionStmt": lambda node: (Transaction(_TX_WORDS.get(node.get("kind"), "OTHER")),),
    "InsertStmt": _write("INSERT"),
    "UpdateStmt": _write("UPDATE"),
    "DeleteStmt": _write("DELETE"),
}


def not_null_check(con: dict) -> str | None:
    """The column of a PostgreSQL ``CHECK (c IS NOT NULL)`` constraint, else None."""
    if con.get("contype") != "CONSTR_CHECK":
        return None
    nt = (con.get("raw_expr") or {}).get("NullTest")
    if not nt or nt.get("nulltesttype") != "IS_NOT_NULL":
        return None
    fields = pg_names((nt.get("arg") or {}).get("ColumnRef", {}).get("fields"))
    return fields[-1] if len(fields) == 1 else None
