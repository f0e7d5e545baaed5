"""What a dialect knows about schemas: its DDL, its introspection, its type and default tables.

alembic's ``DefaultImpl`` pattern: :class:`SchemaImpl` holds the SQL that most databases share and
one subclass per dialect (``schema_postgres``, ``schema_mysql``, ``schema_sqlite``) overrides only
where its database differs, and says so with capability flags (each with the reason). The schema
tools never compare dialect names: :mod:`stingerloom.schema.generate` turns each operation into SQL
by calling the ``render_<operation>`` method of the dialect's impl (a registry keyed by the
operation's type), :mod:`stingerloom.schema.introspect` calls :meth:`SchemaImpl.introspect`, and
:mod:`stingerloom.schema.types` reads the type tables and hooks below.

Identifiers are quoted by the dialect class (``Dialect.quote``/``table_ref``/``split_name``), built
here without a connection. ``stingerloom.dialects.schema_impl(name)`` returns the impl of a dialect.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Optional, Sequence

from ..schema.types import normalize_default, render_type

if TYPE_CHECKING:  # pragma: no cover
    from ..schema.model import Column, ForeignKey, Schema, Table

#: defaults every dialect takes as written (number, string literal, NULL, boolean, current_*)
SIMPLE_DEFAULT = re.compile(
    r"^(?:[+-]?\d+(?:\.\d+)?|'(?:[^']|'')*'|null|true|false|current_timestamp|current_date|current_time)$", re.I)


def enclosed(text: str) -> bool:
    """Whether ``text`` is one parenthesised expression (``(a + 1)``, not ``(a) + (b)``)."""
    from ..schema.types import paren_group

    return text.startswith("(") and paren_group(text, 0)[1] == len(text)


class SchemaImpl:
    """The schema SQL of one dialect. Subclasses set ``name``, the tables and the flags."""

    #: the dialect (``stingerloom.dialects.NAMES``)
    name = "base"

    # -- capability flags (subclasses say why when they change one) -------------------------------
    #: ``schema.table`` names are qualified references (``"schema"."table"``); elsewhere a dotted
    #: name is one identifier
    schema_qualified_names = False
    #: column changes, primary keys, foreign keys, checks, dropped columns and unique constraints
    #: cannot be made by ALTER TABLE: the table is rebuilt (RebuildTable)
    alter_column_via_rebuild = False
    #: a new table's foreign keys can only be declared inside its CREATE TABLE
    inline_fk_only = False
    #: a one-column autoincrement primary key is declared on the column (``PRIMARY KEY AUTOINCREMENT``)
    inline_autoincrement_pk = False
    #: the column clause making a column an identity, right after its type (None: no such clause)
    identity_after_type: Optional[str] = None
    #: the clause making a column auto-increment, at the end of its definition (None: no such clause)
    identity_suffix: Optional[str] = None
    #: the server reports string defaults without their quotes (introspection adds them back)
    unquoted_string_defaults = False
    #: the longest identifier the server keeps (None: no limit), counted in UTF-8 bytes or in characters
    max_identifier_length: Optional[int] = None
    identifier_length_in_bytes = False
    #: identifiers hold only characters of Unicode's Basic Multilingual Plane (no emoji)
    identifier_bmp_only = False

    # -- type tables (see stingerloom.schema.types) ------------------------------------------------
    #: portable base name -> native spelling; ``{args}`` receives ``(n)`` or ``(p,s)``
    render_types: dict[str, str] = {}
    #: native aliases -> canonical native base name (after lower-casing and spacing)
    type_aliases: dict[str, str] = {}
    #: canonical native -> portable (the inverse of ``render_types``, ambiguous ones chosen)
    portable_of: dict[str, str] = {}
    #: portable names whose native spelling carries its own arguments (declared ones are dropped)
    fixed_args: tuple[str, ...] = ()

    def __init__(self) -> None:
        from . import dialect_class

        self.dialect = dialect_class(self.name)()  # for quoting only: never connected

    # -- type hooks (defaults: nothing special) ----------------------------------------------------
    def special_native(self, text: str, name: str, args: str, rest: str) -> Optional[str]:
        """The native form of a type this dialect spells its own way, or None."""
        return None

    def adjust_type(self, name: str, args: str, rest: str) -> tuple[str, str, str]:
        """The (name, args, rest) of a cleaned type before the tables are applied."""
        return name, args, rest

    def finish_type(self, out: str) -> str:
        """The native form after the tables (e.g. an implicit scale made explicit)."""
        return out

    def special_portable(self, cleaned: str) -> Optional[str]:
        """The portable form of a live type this dialect must keep apart, or None."""
        return None

    # -- names ------------------------------------------------------------------------------------
    def q(self, ident: str) -> str:
        return self.dialect.quote(ident)

    def t(self, name: str) -> str:
        """A quoted table reference (``schema.table`` qualified where the dialect has schemas)."""
        return self.dialect.table_ref(name) if self.schema_qualified_names else self.q(name)

    def bare(self, name: str) -> str:
        """The table's own name, without its schema."""
        return self.dialect.split_name(name)[1] if self.schema_qualified_names else name

    def identifier_problem(self, name: str) -> Optional[str]:
        """Why the server cannot keep ``name`` as written (too long, a character it refuses), or None."""
        limit = self.max_identifier_length
        if limit is not None:
            size = len(name.encode("utf-8")) if self.identifier_length_in_bytes else len(name)
            if size > limit:
                unit = "bytes" if self.identifier_length_in_bytes else "characters"
                return f"is {size} {unit} long; {self.name} keeps at most {limit} {unit}"
        if self.identifier_bmp_only:
            wide = next((ch for ch in name if ord(ch) > 0xFFFF), None)
            if wide is not None:
                return f"holds {wide!r} (U+{ord(wide):X}); {self.name} names hold only characters up to U+FFFF"
        return None

    def cols(self, names: Sequence[str]) -> str:
        return ", ".join(self.q(c) for c in names)

    # -- pieces ------------------------------------------------------------------------------------
    def wrap_default(self, text: str) -> str:
        """A default expression as a column definition takes it."""
        return text

    def default_sql(self, col: "Column") -> Optional[str]:
        if col.default is None or normalize_default(col.default, col.type, self.name) is None:
            return None
        return self.wrap_default(str(col.default).strip())

    def column_def(self, col: "Column", *, inline_pk: bool = False) -> str:
        parts = [self.q(col.name), render_type(col.type, self.name)]
        identity = col.autoincrement and self.identity_after_type is not None
        if identity:
            parts.append(self.identity_after_type)
        if not col.nullable:
            parts.append("NOT NULL")
        if inline_pk:
            parts.append("PRIMARY KEY AUTOINCREMENT")
        dflt = self.default_sql(col)
        if dflt is not None and not identity:  # an identity column has its own default
            parts.append(f"DEFAULT {dflt}")
        if col.autoincrement and self.identity_suffix:
            parts.append(self.identity_suffix)
        return " ".join(parts)

    def fk_clause(self, fk: "ForeignKey") -> str:
        out = (f"CONSTRAINT {self.q(fk.name)} FOREIGN KEY ({self.cols(fk.columns)}) "
               f"REFERENCES {self.t(fk.ref_table)} ({self.cols(fk.ref_columns)})")
        if fk.on_delete:
            out += f" ON DELETE {fk.on_delete.upper()}"
        if fk.on_update:
            out += f" ON UPDATE {fk.on_update.upper()}"
        return out

    def table_sql(self, table: "Table", name: str, fks: Sequence["ForeignKey"] = (), uniques: Sequence = ()) -> str:
        """CREATE TABLE ``name`` with the columns, primary key and checks of ``table``."""
        pk = tuple(table.primary_key)
        inline = self.inline_autoincrement_pk and len(pk) == 1 and table.columns[pk[0]].autoincrement
        lines = [self.column_def(c, inline_pk=inline and c.name == pk[0]) for c in table.columns.values()]
        if pk and not inline:
            lines.append(f"PRIMARY KEY ({self.cols(pk)})")
        for ix in uniques:
            lines.append(f"CONSTRAINT {self.q(ix.name)} UNIQUE ({self.cols(ix.columns)})")
        for ck in table.checks.values():
            lines.append(f"CONSTRAINT {self.q(ck.name)} CHECK ({ck.expression})")
        for fk in fks:
            lines.append(self.fk_clause(fk))
        return f"CREATE TABLE {self.t(name)} (\n  " + ",\n  ".join(lines) + "\n)"

    def index_sql(self, table: str, ix: Any) -> str:
        unique = "UNIQUE " if ix.unique else ""
        return f"CREATE {unique}INDEX {self.q(ix.name)} ON {self.t(table)} ({self.cols(ix.columns)})"

    # -- one method per operation (stingerloom.schema.generate dispatches on the op's type) --------
    def render_create_table(self, op: Any, inline_fks: dict) -> list[str]:
        return [self.table_sql(op.definition, op.table, inline_fks.get(op.table, ()))]

    def render_drop_table(self, op: Any, inline_fks: dict) -> list[str]:
        return [f"DROP TABLE {self.t(op.table)}"]

    def render_rename_table(self, op: Any, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} RENAME TO {self.q(self.bare(op.new_name))}"]

    def render_rename_column(self, op: Any, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} RENAME COLUMN {self.q(op.old_name)} TO {self.q(op.new_name)}"]

    def render_add_column(self, op: Any, inline_fks: dict) -> list[str]:
        out = []
        if not op.column.nullable and op.column.default is None and not op.column.autoincrement:
            out.append(f"-- note: {op.table}.{op.column.name} is NOT NULL without a default: "
                       "this fails if the table has rows")
        out.append(f"ALTER TABLE {self.t(op.table)} ADD COLUMN {self.column_def(op.column)}")
        return out

    def render_drop_column(self, op: Any, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} DROP COLUMN {self.q(op.column.name)}"]

    def render_modify_column(self, op: Any, inline_fks: dict) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.name}: column changes are not supported")

    def render_set_primary_key(self, op: Any, inline_fks: dict) -> list[str]:
        t = self.t(op.table)
        out = []
        if op.old:
            name = op.old_name or f"{self.bare(op.table)}_pkey"
            out.append(f"ALTER TABLE {t} DROP CONSTRAINT {self.q(name)}")
        if op.new:
            named = f"CONSTRAINT {self.q(op.new_name)} " if op.new_name else ""
            out.append(f"ALTER TABLE {t} ADD {named}PRIMARY KEY ({self.cols(op.new)})")
        return out

    def render_add_index(self, op: Any, inline_fks: dict) -> list[str]:
        return [self.index_sql(op.table, op.index)]

    def render_drop_index(self, op: Any, inline_fks: dict) -> list[str]:
        return [f"DROP INDEX {self.q(op.index.name)}"]

    def render_add_foreign_key(self, op: Any, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} ADD {self.fk_clause(op.fk)}"]

    def render_drop_foreign_key(self, op: Any, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} DROP CONSTRAINT {self.q(op.fk.name)}"]

    def render_add_check(self, op: Any, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} ADD CONSTRAINT {self.q(op.check.name)} CHECK ({op.check.expression})"]

    def render_drop_check(self, op: Any, inline_fks: dict) -> list[str]:
        return [f"ALTER TABLE {self.t(op.table)} DROP CONSTRAINT {self.q(op.check.name)}"]

    def render_rebuild_table(self, op: Any, inline_fks: dict) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.name} alters tables in place")

    def needs_rebuild(self, op: Any) -> bool:
        """Whether ``op`` can only be made by rebuilding its table (``alter_column_via_rebuild``)."""
        return False

    # -- introspection ------------------------------------------------------------------------------
    def introspect(self, d: Any, history: str, schemas: Optional[Sequence[str]] = None) -> "Schema":
        """The schema of the database that the connected dialect ``d`` is on, without the history
        table ``history`` (and its companions)."""
        raise NotImplementedError  # pragma: no cover - abstract


def is_history(name: str, history: str) -> bool:
    """Whether table ``name`` is the history table ``history`` or one of its companion tables."""
    bare = name.split(".")[-1]
    return bare == history or bare.startswith(history + "_")


def fk_action(value: Optional[str]) -> Optional[str]:
    """A foreign key action as introspection reports it, None for the default (no action/restrict)."""
    if not value:
        return None
    v = value.lower().replace("_", " ")
    return None if v in ("no action", "restrict") else v
