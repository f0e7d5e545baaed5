"""The declarative schema: the file format (pydantic, SPEC §1) and the canonical model the diff uses.

``SchemaFile`` is what a user writes (and what ``schemas/schema.schema.json`` is generated from).
``Schema``/``Table``/``Column``/... are the canonical, dialect-neutral model: a schema file is
*resolved* into it (column ``unique: true`` becomes a named unique index, unnamed foreign keys get
deterministic names, primary keys lose nullability) and introspection produces it, so the diff
compares like with like.

This module imports only pydantic and the standard library: the JSON Schema generator imports it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

FK_ACTIONS = ("cascade", "restrict", "set null", "set default", "no action")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnModel(_Strict):
    """One column. ``type`` is portable (integer, varchar(100), ...) or a native type string."""

    type: str = Field(description="portable type (integer, bigint, smallint, varchar(n), text, boolean, date, "
                                  "timestamp, numeric(p,s), real, double, json, uuid, blob) or a native type")
    nullable: Optional[bool] = Field(None, description="default true; false for primary key columns")
    primary_key: bool = False
    autoincrement: bool = Field(False, description="identity / AUTO_INCREMENT / INTEGER PRIMARY KEY AUTOINCREMENT")
    unique: bool = Field(False, description="a unique index named uq_<table>_<column>")
    default: Union[str, bool, int, float, None] = Field(
        None, description="an SQL expression: CURRENT_TIMESTAMP, 0, \"'free'\" (string literals keep their quotes)")
    renamed_from: Optional[str] = Field(None, description="the column's previous name: generate renames it")

    @field_validator("type")
    @classmethod
    def _one_type(cls, value: str) -> str:
        problem = type_problem(value)
        if problem:
            raise ValueError(f"type {value!r}: {problem}")
        return value


def type_problem(text: str) -> Optional[str]:
    """Why ``text`` cannot be one column type written into a migration (``numeric(5``, ``int;`` ...),
    or None. A native type passes as written, quotes included (``enum('a','b')``, ``"char"``)."""
    if not text.strip():
        return "empty: give a type such as integer or varchar(100)"
    depth, quote = 0, None
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"`":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                return f"{ch!r} without its opening bracket"
        elif ch == ";" or text.startswith(("--", "/*"), i):
            return "a type cannot hold ';' or a comment: write one type (e.g. numeric(10,2))"
    if quote:
        return f"unclosed {quote}"
    if depth:
        return "unbalanced parentheses: close every '(' (e.g. numeric(10,2))"
    return None


class IndexModel(_Strict):
    columns: list[str] = Field(min_length=1)
    unique: bool = False


class ReferenceModel(_Strict):
    table: str
    columns: list[str] = Field(min_length=1)


FKAction = Literal["cascade", "restrict", "set null", "set default", "no action"]


class ForeignKeyModel(_Strict):
    name: Optional[str] = Field(None, description="default: fk_<table>_<columns>_<referenced table>")
    columns: list[str] = Field(min_length=1)
    references: ReferenceModel
    on_delete: Optional[FKAction] = None
    on_update: Optional[FKAction] = None

    @field_validator("on_delete", "on_update", mode="before")
    @classmethod
    def _action(cls, value: Any) -> Any:
        if isinstance(value, str):
            return " ".join(value.replace("_", " ").lower().split())
        return value


class TableModel(_Strict):
    columns: dict[str, ColumnModel] = Field(min_length=1)
    primary_key: Optional[list[str]] = Field(None, description="a composite primary key (instead of primary_key on columns)")
    indexes: dict[str, IndexModel] = Field(default_factory=dict)
    foreign_keys: list[ForeignKeyModel] = Field(default_factory=list)
    checks: dict[str, str] = Field(default_factory=dict, description="constraint name -> SQL boolean expression")
    renamed_from: Optional[str] = Field(None, description="the table's previous name: generate renames it")

    @model_validator(mode="after")
    def _columns_exist(self) -> "TableModel":
        names = set(self.columns)
        col_pk = [c for c, spec in self.columns.items() if spec.primary_key]
        if self.primary_key and col_pk:
            raise ValueError("declare the primary key either with primary_key: [...] on the table or on columns, not both")
        missing: list[str] = []
        for cols in [self.primary_key or []] + [ix.columns for ix in self.indexes.values()] + [
                fk.columns for fk in self.foreign_keys]:
            missing += [c for c in cols if c not in names]
        if missing:
            raise ValueError(f"unknown column(s) {', '.join(sorted(set(missing)))}; declared: {', '.join(self.columns)}")
        for fk in self.foreign_keys:
            if len(fk.columns) != len(fk.references.columns):
                raise ValueError(f"foreign key on ({', '.join(fk.columns)}) references "
                                 f"{len(fk.references.columns)} column(s); the counts must match")
        return self


class SchemaFile(_Strict):
    """A declarative schema file (input of ``stingerloom generate``)."""

    model_config = ConfigDict(extra="forbid", title="stingerloom declarative schema")

    tables: dict[str, TableModel] = Field(default_factory=dict)
    #: the file and the position of every key and value, when read from a file (load_schema_file)
    _source: Any = PrivateAttr(default=None)

    def where(self, path: tuple) -> tuple[Optional[str], Optional[int], Optional[int]]:
        """The file, line and column of the key at ``path`` (("tables", "users", "columns", "id"))."""
        if self._source is None:
            return None, None, None
        line, column = self._source.where(tuple(path), key=True)
        return self._source.file, line, column

    def names(self) -> list[tuple[tuple, str, str]]:
        """(path, kind, name) of every identifier the file declares (tables, columns, indexes, named
        foreign keys and checks), for checks that depend on the target database."""
        out: list[tuple[tuple, str, str]] = []
        for tname, table in self.tables.items():
            at = ("tables", tname)
            out.append((at, "table", tname))
            out += [(at + ("columns", c), "column", c) for c in table.columns]
            out += [(at + ("indexes", i), "index", i) for i in table.indexes]
            out += [(at + ("foreign_keys", n, "name"), "foreign key", fk.name)
                    for n, fk in enumerate(table.foreign_keys) if fk.name]
            out += [(at + ("checks", c), "check", c) for c in table.checks]
        return out

    @model_validator(mode="after")
    def _references_exist(self) -> "SchemaFile":
        for tname, table in self.tables.items():
            for fk in table.foreign_keys:
                target = self.tables.get(fk.references.table)
                if target is None:
                    raise ValueError(f"table {tname}: foreign key references unknown table {fk.references.table!r}")
                bad = [c for c in fk.references.columns if c not in target.columns]
                if bad:
                    raise ValueError(f"table {tname}: foreign key references unknown column(s) "
                                     f"{', '.join(bad)} of {fk.references.table}")
        return self


# -- the canonical model ---------------------------------------------------------------------------
@dataclass
class Column:
    name: str
    type: str
    nullable: bool = True
    default: Optional[str] = None  # SQL text as the database takes it
    autoincrement: bool = False
    renamed_from: Optional[str] = None


@dataclass
class Index:
    name: str
    columns: tuple[str, ...]
    unique: bool = False
    #: introspection only: the index belongs to a UNIQUE constraint (PostgreSQL) or is SQLite's
    #: automatic index of an inline UNIQUE; it is dropped with the constraint (or a rebuild).
    constraint: bool = False


@dataclass
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: Optional[str] = None  # None means the default (NO ACTION / RESTRICT)
    on_update: Optional[str] = None

    def signature(self) -> tuple:
        return (self.columns, self.ref_table, self.ref_columns, _action(self.on_delete), _action(self.on_update))


@dataclass
class Check:
    name: str
    expression: str


@dataclass
class Table:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    indexes: dict[str, Index] = field(default_factory=dict)
    foreign_keys: dict[str, ForeignKey] = field(default_factory=dict)
    checks: dict[str, Check] = field(default_factory=dict)
    renamed_from: Optional[str] = None
    pk_name: Optional[str] = None


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)
    dialect: Optional[str] = None
    #: introspection: the objects of the database the model leaves out ("view v", "trigger t on
    #: users", "partial index ix on users", "generated column users.total"): generate neither
    #: creates, changes nor drops them, and ``schema dump`` says so
    skipped: list[str] = field(default_factory=list)
    #: introspection of one schema that is not the session's (PostgreSQL ``--schema-name``): its
    #: tables are named ``schema.table``, and a declared bare name means a table of that schema
    qualifier: Optional[str] = field(default=None, repr=False)


def _action(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    value = " ".join(value.replace("_", " ").lower().split())
    return None if value in ("no action", "restrict") else value


def deterministic_name(prefix: str, table: str, columns: Any, suffix: str = "") -> str:
    """``prefix_table_col1_col2[_suffix]``, shortened with a hash past 60 characters (PG keeps 63)."""
    base = "_".join([prefix, table.split(".")[-1], *columns] + ([suffix] if suffix else []))
    base = re.sub(r"[^A-Za-z0-9_]", "_", base)
    if len(base) <= 60:
        return base
    digest = hashlib.sha1(base.encode()).hexdigest()[:8]
    return base[:51] + "_" + digest


def resolve(schema: "SchemaFile | dict") -> Schema:
    """The canonical model of a schema file."""
    if not isinstance(schema, SchemaFile):
        schema = SchemaFile.model_validate(schema)
    out = Schema()
    for tname, spec in schema.tables.items():
        table = Table(name=tname, renamed_from=spec.renamed_from)
        pk = tuple(spec.primary_key or [c for c, col in spec.columns.items() if col.primary_key])
        table.primary_key = pk
        for cname, col in spec.columns.items():
            nullable = col.nullable if col.nullable is not None else cname not in pk
            if cname in pk:
                nullable = False
            from .types import default_sql

            table.columns[cname] = Column(cname, col.type.strip(), nullable, default_sql(col.default),
                                          col.autoincrement, col.renamed_from)
            if col.unique:
                name = deterministic_name("uq", tname, [cname])
                table.indexes[name] = Index(name, (cname,), True)
        for iname, ix in spec.indexes.items():
            table.indexes[iname] = Index(iname, tuple(ix.columns), ix.unique)
        for fk in spec.foreign_keys:
            name = fk.name or deterministic_name("fk", tname, fk.columns, fk.references.table.split(".")[-1])
            table.foreign_keys[name] = ForeignKey(name, tuple(fk.columns), fk.references.table,
                                                  tuple(fk.references.columns), fk.on_delete, fk.on_update)
        for cname, expr in spec.checks.items():
            table.checks[cname] = Check(cname, str(expr).strip())
        out.tables[tname] = table
    return out


def to_file_dict(schema: Schema) -> dict:
    """A schema file (as plain data) describing ``schema``: what ``schema dump`` writes."""
    tables: dict[str, Any] = {}
    for tname, table in schema.tables.items():
        cols: dict[str, Any] = {}
        single_pk = len(table.primary_key) == 1
        uq_single = {ix.columns[0]: ix for ix in table.indexes.values()
                     if ix.unique and len(ix.columns) == 1
                     and ix.name == deterministic_name("uq", tname, ix.columns)}
        for cname, col in table.columns.items():
            cols[cname] = _column_spec(col, table, single_pk, cname in uq_single)
        entry: dict[str, Any] = {"columns": cols}
        if len(table.primary_key) > 1:
            entry["primary_key"] = list(table.primary_key)
        idx = {name: ({"columns": list(ix.columns), "unique": True} if ix.unique else {"columns": list(ix.columns)})
               for name, ix in table.indexes.items()
               if not (len(ix.columns) == 1 and ix.columns[0] in uq_single and uq_single[ix.columns[0]] is ix)}
        if idx:
            entry["indexes"] = idx
        if table.foreign_keys:
            entry["foreign_keys"] = [_fk_item(fk) for fk in table.foreign_keys.values()]
        if table.checks:
            entry["checks"] = {c.name: c.expression for c in table.checks.values()}
        tables[tname] = entry
    return {"tables": tables}


def _column_spec(col: Column, table: Table, single_pk: bool, unique: bool) -> dict[str, Any]:
    """One column of a dumped schema file."""
    spec: dict[str, Any] = {"type": col.type}
    in_pk = col.name in table.primary_key
    if single_pk and in_pk:
        spec["primary_key"] = True
    if col.autoincrement:
        spec["autoincrement"] = True
    if col.nullable == in_pk:  # only what differs from the default (nullable unless in the key)
        spec["nullable"] = col.nullable
    if unique:
        spec["unique"] = True
    if col.default is not None:
        spec["default"] = _default_value(col.default)
    return spec


def _fk_item(fk: ForeignKey) -> dict[str, Any]:
    """One foreign key of a dumped schema file."""
    item: dict[str, Any] = {"name": fk.name, "columns": list(fk.columns),
                            "references": {"table": fk.ref_table, "columns": list(fk.ref_columns)}}
    if _action(fk.on_delete):
        item["on_delete"] = _action(fk.on_delete)
    if _action(fk.on_update):
        item["on_update"] = _action(fk.on_update)
    return item


def _default_value(text: str) -> Any:
    """A default as written in a schema file: numbers and booleans as YAML values, the rest as SQL."""
    t = str(text).strip()
    while t.startswith("(") and t.endswith(")") and t.count("(") == 1:
        t = t[1:-1].strip()
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    if re.fullmatch(r"[+-]?\d+\.\d+", t) and float(t) == float(t):
        return t if len(t) > 15 else float(t)
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    return text


def load_schema_file(path: str) -> SchemaFile:
    """Read and validate a schema file (YAML, TOML or JSON); errors name the file, line and key."""
    import os

    from pydantic import ValidationError

    from ..errors import InputError, ManifestError

    if not os.path.isfile(path):
        what = "is not a regular file" if os.path.exists(path) else "not found"  # a named pipe would block
        raise InputError(f"schema file {what}: {path}", hint="pass --schema with the path of a schema YAML file")
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:  # permission denied, an I/O error
        raise InputError(f"cannot read schema file {path}: {exc.strerror}",
                         hint="pass --schema with the path of a readable schema YAML file") from None
    try:  # a BOM is allowed, as in manifests
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=path, line=raw.count(b"\n", 0, exc.start) + 1,
                         hint="save the schema file as UTF-8") from None
    doc = _read_document(text, path)
    data = doc.data if doc is not None else None
    if data is None:
        data = {}
    if not isinstance(data, dict):  # pydantic would say "instance of SchemaFile"
        raise InputError(f"a schema file is a mapping with a `tables:` key, not {_kind_of(data)}", file=path,
                         line=doc.start[0] if doc is not None else None, hint="see schemas/schema.schema.json for the format")
    try:
        model = SchemaFile.model_validate(data)
        model._source = doc
        return model
    except ValidationError as exc:
        raise ManifestError(_problems(exc, doc, path),
                            hint="see schemas/schema.schema.json for the format") from None


def _problems(exc: Any, doc: Any, path: str) -> list:
    """pydantic's errors of a schema file as Problems at their file:line, in the user's words."""
    from ..errors import Problem

    errors = [([p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-"))], e)
              for e in exc.errors()]
    # a union's members each fail at the same place (loc + member name): one message for them all
    members: dict[str, list[str]] = {}
    for loc, _ in errors:
        if loc and loc[-1] in _UNION_MEMBERS:
            kinds = members.setdefault(".".join(map(str, loc[:-1])), [])
            if _UNION_MEMBERS[loc[-1]] not in kinds:
                kinds.append(_UNION_MEMBERS[loc[-1]])
    problems, seen = [], set()
    for loc, err in errors:
        union = bool(loc) and loc[-1] in _UNION_MEMBERS
        if union:
            loc = loc[:-1]
        key = ".".join(str(p) for p in loc)
        if union and key in seen:
            continue
        seen.add(key)
        line, column = doc.where(tuple(loc)) if doc is not None else (None, None)
        msg = err["msg"].removeprefix("Value error, ")  # pydantic's label for our own validators' messages
        if union:
            kinds = members[key]
            msg = "expected " + (", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else kinds[0])
            msg += f", not {_kind_of(err.get('input'))}"
        elif err["type"] == "too_short" and isinstance(err.get("input"), (dict, list)):
            msg = "needs at least one entry"
        elif err["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}"
            if re.fullmatch(r"\s*\d+\s*\)", str(loc[-1])):
                msg += " (a type like numeric(10,2) inside {...} must be quoted: \"numeric(10,2)\")"
        problems.append(Problem(f"{key}: {msg}" if key else msg, path, line, column, key or None))
    return problems


#: the names pydantic gives the members of a union in an error's location, as a user reads them
_UNION_MEMBERS = {"str": "a string", "bool": "true or false", "int": "an integer", "float": "a number",
                  "list[str]": "a list of strings", "dict[str,str]": "a mapping"}


def _kind_of(value: Any) -> str:
    return {list: "a list", dict: "a mapping", str: "text", type(None): "null"}.get(type(value), type(value).__name__)


def _read_document(text: str, path: str) -> Any:
    """The one document of a schema file, with the position of every key and value, read as
    manifests are: aliases (``*name``) bounded before they are expanded, nesting bounded, duplicate
    keys refused, each problem at its file:line. ``None`` for an empty file."""
    from ..errors import InputError, ManifestError

    if path.endswith(".toml"):
        from ..manifest.tomlsource import read_toml

        doc, problems = read_toml(text, path)
        docs = [doc] if doc is not None else []
    else:
        from ..manifest.yamlsource import MAX_NODES, read_yaml

        # a file without aliases cannot expand: only its own size bounds it (thousands of tables)
        docs, problems = read_yaml(text, path, max_nodes=max(MAX_NODES, 2 * len(text)))
    if problems:
        raise ManifestError(problems, hint="see schemas/schema.schema.json for the format")
    if len(docs) > 1:
        line, column = docs[1].start
        raise InputError(f"a schema file holds one YAML document; this one starts a second ({len(docs)} in all)",
                         file=path, line=line, column=column, hint="merge the documents' tables into one `tables:` mapping")
    return docs[0] if docs else None
