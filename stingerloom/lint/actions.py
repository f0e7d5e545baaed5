"""The statement model: what a statement does, as typed actions, the same for every dialect.

A statement (:class:`~.api.Stmt`) becomes a short tuple of actions the first time a rule asks for
``stmt.actions``; a statement nobody asks about costs nothing. One extractor per kind of source
builds them: :mod:`.extract_pg` from pglast's parse tree (PostgreSQL), :mod:`.extract_text` from the
statement text (MySQL and SQLite, on the facts in :mod:`.facts`). A rule reads actions, so it is
written once for all dialects; where the dialects really differ, the extractor decides (e.g. what
"fills every row" means), or the rule asks the dialect's traits (:mod:`.dialect`).

Offsets (``at``) are character offsets into the statement, None when the source gives none (the rule
then reports at the statement's start). Names are as the database folds them (unquoted: lower case).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, fields, is_dataclass


@dataclass(frozen=True, slots=True)
class Column:
    """A column definition: name, type (lower case, last part of the name) and its integer modifiers."""

    name: str | None
    type: str
    mods: tuple
    unique: bool = False  # a column-level PRIMARY KEY or UNIQUE
    not_null: bool = False  # declared NOT NULL (PostgreSQL: or PRIMARY KEY)
    #: the database fills the column itself: a DEFAULT, identity, serial, AUTO_INCREMENT or generated
    filled: bool = False
    auto_increment: bool = False  # serial, identity, AUTO_INCREMENT / AUTOINCREMENT
    type_at: int | None = None  # where the type is written (text: where the column definition starts)


class Deferred(Sequence):
    """A tuple worked out the first time it is read (len, index, iteration, truth, ==): for an action
    field most rules never read, e.g. the columns of a CREATE TABLE read from text, which costs a pass
    over every column definition while only a few rules look at them."""

    __slots__ = ("_make", "_items")

    def __init__(self, make: Callable[[], tuple]) -> None:
        self._make, self._items = make, None

    def _get(self) -> tuple:
        if self._items is None:
            self._items, self._make = tuple(self._make()), None
        return self._items

    def __len__(self) -> int:
        return len(self._get())

    def __getitem__(self, i):
        return self._get()[i]

    def __iter__(self):
        return iter(self._get())

    def __eq__(self, other) -> bool:
        return self._get() == (other._get() if isinstance(other, Deferred) else other)

    def __hash__(self) -> int:
        return hash(self._get())

    def __repr__(self) -> str:
        return repr(self._get())


@dataclass(frozen=True, slots=True)
class CreateTable:
    table: str | None
    columns: Sequence[Column] = ()  # a tuple, or (text) a Deferred one
    keys: Sequence[tuple] = ()  # the columns of each table-level PRIMARY KEY / UNIQUE constraint
    primary_key: bool = False  # a PRIMARY KEY (column- or table-level)
    foreign_keys: tuple = ()  # (first column, at) of each FOREIGN KEY / REFERENCES, in order (PostgreSQL)
    #: an ordinary table whose columns the statement lists: not temporary, a partition, inherited,
    #: typed, copied (LIKE), virtual, or made from a query (AS)
    plain: bool = False


@dataclass(frozen=True, slots=True)
class AddColumn:
    table: str | None
    column: Column
    at: int | None = None
    #: every existing row gets the same non-NULL value (a constant DEFAULT), as opposed to NULL or
    #: distinct values (serial, identity, a volatile default)
    default_repeats: bool = False
    unique_at: tuple = ()  # where each UNIQUE / PRIMARY KEY on the new column is written
    references_at: tuple = ()  # where each (enforced) REFERENCES on the new column is written
    stored_at: tuple = ()  # where the new column is made a STORED generated column


@dataclass(frozen=True, slots=True)
class DropColumn:
    table: str | None
    column: str | None
    at: int | None = None


@dataclass(frozen=True, slots=True)
class AlterColumnType:
    table: str | None
    column: str | None
    type: str
    mods: tuple
    at: int | None = None
    type_at: int | None = None  # where the new type is written (text: where the action starts)


@dataclass(frozen=True, slots=True)
class AddConstraint:
    table: str | None
    kind: str  # "primary", "unique", "check", "foreign", "exclusion", …
    columns: tuple = ()  # the key's columns (a foreign key: its referencing columns)
    name: str | None = None
    at: int | None = None
    not_valid: bool = False
    using_index: bool = False  # ADD CONSTRAINT … USING INDEX: the index already exists
    not_null_column: str | None = None  # a CHECK (c IS NOT NULL): c


@dataclass(frozen=True, slots=True)
class ValidateConstraint:
    table: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class DropConstraint:
    table: str | None
    name: str | None  # None: the extractor does not read it (text)
    at: int | None = None


@dataclass(frozen=True, slots=True)
class CreateIndex:
    table: str | None
    name: str | None
    columns: tuple = ()  # None for an expression
    unique: bool = False
    partial: bool = False
    concurrent: bool = False


@dataclass(frozen=True, slots=True)
class Drop:
    kind: str | None  # "OBJECT_TABLE", "OBJECT_INDEX", …
    names: tuple = ()  # the last part of each name
    concurrent: bool = False
    if_exists: bool = False


@dataclass(frozen=True, slots=True)
class CreateObject:
    """CREATE VIEW, TRIGGER or TYPE (an enum): an object ``down`` must drop again (PostgreSQL)."""

    kind: str  # "view", "trigger", "type"
    name: str | None


@dataclass(frozen=True, slots=True)
class Rename:
    kind: str  # "table" or "column"
    table: str | None
    old: str | None
    new: str | None
    at: int | None = None


@dataclass(frozen=True, slots=True)
class Transaction:
    word: str  # BEGIN, COMMIT, ROLLBACK, PREPARE, SAVEPOINT, … (OTHER: something else)


@dataclass(frozen=True, slots=True)
class Lock:
    """An explicit table lock (PostgreSQL ``LOCK TABLE``, MySQL ``LOCK TABLES``)."""

    blocks_writes: bool


@dataclass(frozen=True, slots=True)
class WriteRows:
    """INSERT, UPDATE or DELETE."""

    verb: str  # "INSERT", "UPDATE", "DELETE"
    table: str | None
    has_where: bool = False
    from_query: bool = False  # INSERT … SELECT (PostgreSQL: a SELECT that reads a table)


@dataclass(frozen=True, slots=True)
class SetVariable:
    """``SET name = value`` (and ``RESET``): a session (or, with ``local``, a transaction) setting."""

    name: str | None  # lower case; None: RESET ALL
    reset: bool = False  # back to the default (RESET, SET … TO DEFAULT)
    local: bool = False  # SET LOCAL: ends with the transaction


def _fast_init(cls: type) -> None:
    """Give a frozen slotted dataclass an ``__init__`` that fills each slot through the slot's own
    descriptor: the generated one goes through ``object.__setattr__`` by name (~0.5 us more for a
    six-field action; lint builds ~100,000 of them on 10,000 migrations). Same parameters, defaults
    and values; the class stays frozen (assigning a field still raises)."""
    names: dict = {}
    params, body = [], []
    for f in fields(cls):
        names[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        if f.default is MISSING:
            params.append(f.name)
        else:
            names[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), names)  # noqa: S102 - the class's own fields
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init


for _cls in [v for v in list(globals().values()) if isinstance(v, type) and is_dataclass(v)]:
    _fast_init(_cls)
del _cls


def of_type(actions, *types):
    """The actions of the given types, in order."""
    return [a for a in actions if isinstance(a, types)]
