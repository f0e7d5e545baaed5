"""The rule API: what a rule author programs against.

A rule is a class (one per file under :mod:`.rules`, named for what it checks) with metadata as class
attributes and a ruff-style docstring. It implements one or more of three hooks:

* :meth:`Rule.check_stmt` -- one ``up`` statement of the kinds in ``kinds`` (:class:`Stmt`), in order;
* :meth:`Rule.check_migration` -- one whole migration for one dialect (:class:`MigrationCheck`);
* :meth:`Rule.check_manifest` -- the whole manifest once (the engine's ``ManifestRun``).

Every finding comes from a rule through ``ctx.report``/``ctx.report_migration``/``run.add`` (or
:meth:`Rule.finding` when there is no manifest to run on). What the parsers and the replays learned
(a syntax error, a statement nobody can analyse, the SQLite schema before and after) is recorded on
the statement or the context by the engine; the rules decide what is a finding. Facts shared by
several rules live in :mod:`.facts`, never in another rule's module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from . import extract_pg, extract_text
from .dialect import DIALECTS, traits
from .facts import alter_actions, create_table_head, keyword_text, lead_len, strip_sql, text_table
from .model import ALL_DIALECTS, Finding

if TYPE_CHECKING:  # pragma: no cover
    from .engine import ManifestRun

_SECTION = re.compile(r"^## (.+)$", re.M)


class Rule:
    """Base class of every rule.

    Class attributes are the metadata; the docstring (ruff style: "## What it does", "## Why is this
    bad?", "## Example", "## Use instead") is the documentation shown by ``--explain``, in SARIF and in
    ``docs/rules.md``.

    A rule handles single statements of given kinds (``kinds`` plus :meth:`check_stmt`, called for
    ``up`` statements in order), looks at a whole migration (:meth:`check_migration`), or at the whole
    manifest (:meth:`check_manifest`). The engine calls only the hooks a class overrides.
    """

    code: ClassVar[str] = ""
    #: advice, squawk-style: ``ban-…``, ``prefer-…`` or ``require-…`` (a test keeps it so)
    name: ClassVar[str] = ""
    #: earlier names of the rule, still accepted where a user types a name (``--explain``)
    aliases: ClassVar[tuple[str, ...]] = ()
    severity: ClassVar[str] = "warning"
    dialects: ClassVar[tuple[str, ...]] = ALL_DIALECTS
    default_enabled: ClassVar[bool] = True
    #: statement kinds (pglast node names, shared by the keyword classifier for MySQL/SQLite)
    kinds: ClassVar[frozenset[str]] = frozenset()
    #: one-line advice shown under a finding
    help: ClassVar[str | None] = None
    #: also run on statements the dialect's parser rejected (text-based rules that explain the error)
    runs_on_errors: ClassVar[bool] = False
    #: also run on repeatable migrations (SPEC §10); the SL4xx reversibility rules do not, since a
    #: repeatable's rollback re-applies its previous definition rather than running its down
    for_repeatable: ClassVar[bool] = True
    #: a rule that needs a facility we do not have yet: documented, never run
    planned: ClassVar[str | None] = None
    #: the manifest hook also runs when the manifest could not be loaded (``manifest`` is None then)
    runs_on_unloadable: ClassVar[bool] = False
    #: the manifest hook runs after the ``stingerloom:ignore`` comments were applied (it checks them)
    after_ignores: ClassVar[bool] = False

    def check_stmt(self, stmt: "Stmt", ctx: "MigrationCheck") -> None:  # pragma: no cover
        pass

    def check_migration(self, ctx: "MigrationCheck") -> None:  # pragma: no cover
        pass

    def check_manifest(self, run: "ManifestRun", manifest, migrations, dialects, path) -> None:  # pragma: no cover
        pass

    @classmethod
    def finding(cls, message: str, file=None, line=None, column=None) -> Finding:
        """A finding of this rule outside any run (a manifest that cannot be read at all)."""
        return Finding(cls.code, cls.severity, message, file, line, column)

    # documentation ---------------------------------------------------------------------------
    @classmethod
    def doc(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def sections(cls) -> dict[str, str]:
        text = cls.doc()
        parts = _SECTION.split(text)
        out = {"summary": parts[0].strip()}
        for title, body in zip(parts[1::2], parts[2::2]):
            out[title.strip()] = body.strip()
        return out

    @classmethod
    def short(cls) -> str:
        s = cls.sections()
        what = s.get("What it does") or s.get("summary") or cls.name
        return what.split("\n\n")[0].replace("\n", " ").strip()

    @classmethod
    def explain(cls) -> str:
        head = f"{cls.code} {cls.name} ({cls.severity}; dialects: {', '.join(cls.dialects)}"
        if not cls.default_enabled:
            head += "; opt-in, enable with --select " + cls.code
        head += ")"
        if cls.planned:
            head += f"\nPLANNED, not checked yet: {cls.planned}"
        return head + "\n\n" + cls.doc() + "\n"


class Stmt:
    """One statement of one block, for one dialect."""

    __slots__ = ("sql", "offset", "source", "index", "kind", "node", "dialect", "block", "error",
                 "error_from", "error_at", "undecided", "_stripped", "_table", "migration", "traits",
                 "_actions", "_upper", "_memo")

    def __init__(self, sql, offset, source, index, dialect, block, migration) -> None:
        self.sql = sql
        self.offset = offset
        self.source = source
        self.index = index
        self.dialect = dialect
        self.traits = DIALECTS[dialect]
        self.block = block
        self.migration = migration
        self.kind = "Unknown"
        self.node: dict | None = None
        #: the parser's verdict: (message, offset); ``error_from`` names the parser ("PostgreSQL",
        #: "PL/pgSQL body", "SQLite") and ``error_at`` the offset to report (None: the statement's start)
        self.error: tuple[str, int] | None = None
        self.error_from: str | None = None
        self.error_at: int | None = None
        #: a parser gave up without a verdict: why
        self.undecided: str | None = None
        self._stripped = None
        self._table = False
        self._actions = None
        self._upper = None
        self._memo: dict | None = None

    def pos(self, rel: int | None = None) -> tuple[int | None, int | None]:
        if rel is None or rel < 0:
            rel = lead_len(self.sql)
        return self.source.position(self.offset + rel)

    def memo(self, key, compute):
        """``compute()`` once per statement: a fact several rules read (see :mod:`.facts`)."""
        memo = self._memo
        if memo is None:
            memo = self._memo = {}
        elif key in memo:
            return memo[key]
        value = memo[key] = compute()
        return value

    @property
    def stripped(self) -> str:
        """Statement text with comments and literals blanked (offsets preserved)."""
        if self._stripped is None:
            self._stripped = strip_sql(self.sql, hash_comments=self.traits.hash_comments)
        return self._stripped

    @property
    def upper(self) -> str:
        """The statement's text upper-cased (:func:`.facts.keyword_text`), for a cheap keyword test
        before a regex over its text, stripped or not. Comments and literals are not blanked: a word
        there only costs the regex."""
        if self._upper is None:
            self._upper = keyword_text(self.sql)
        return self._upper

    @property
    def readable(self) -> bool:
        """The dialect's extractor reads this statement as it should: on PostgreSQL, pglast parsed it."""
        return self.node is not None or not self.traits.parse_tree

    @property
    def actions(self) -> tuple:
        """What the statement does (:mod:`.actions`), worked out the first time a rule asks: from the
        parse tree when there is one, else from the text (also for a PostgreSQL statement pglast could
        not parse, read as well as text allows)."""
        if self._actions is None:
            if self.node is not None:
                self._actions = extract_pg.actions(self.kind, self.node)
            else:
                self._actions = extract_text.actions(self)
        return self._actions

    @property
    def table(self) -> str | None:
        """The table the statement works on (lower-cased where unquoted), if there is one."""
        if self._table is False:
            self._table = _stmt_table(self)
        return self._table

    @property
    def end(self) -> int:
        return self.offset + len(self.sql)


def _stmt_table(stmt: Stmt) -> str | None:
    if stmt.node is not None:
        n = stmt.node
        rel = n.get("relation")
        if isinstance(rel, dict):
            return rel.get("relname")
        if stmt.kind == "RenameStmt" and n.get("relation"):
            return n["relation"].get("relname")
        return None
    if stmt.kind == "AlterTableStmt":
        return alter_actions(stmt.sql)[0]
    if stmt.kind == "CreateStmt":
        return create_table_head(stmt.sql)[0]
    # the text without comments and literals: the statement's own unless a MySQL ``#`` comment (which
    # only it blanks) could make the two differ
    same = not stmt.traits.hash_comments or "#" not in stmt.sql
    return text_table(stmt.sql, stmt.kind, stmt.stripped if same else None)


@dataclass
class Catalog:
    """What earlier migrations built (PostgreSQL and text facts): tables, column types, indexes."""

    tables: set = field(default_factory=set)
    columns: dict = field(default_factory=dict)  # (table, column) -> (type, mods)
    index_first_cols: set = field(default_factory=set)  # (table, first column)
    # the DDL text of each table, in order (see tablefacts: its facts are worked out on demand)
    ddl: dict = field(default_factory=dict)  # table -> [sql]
    dialect: str = "postgres"
    _facts: dict = field(default_factory=dict)  # table -> (ddl list, its length, TableFacts)

    def facts(self, table: str):
        """What the DDL of ``table`` so far says (earlier migrations and this one up to now)."""
        from .tablefacts import TableFacts

        ddl = self.ddl.get(table, [])
        hit = self._facts.get(table)
        if hit is None or hit[0] is not ddl or hit[1] != len(ddl):  # CREATE TABLE starts a new list
            hit = (ddl, len(ddl), TableFacts.of(self.dialect, ddl))
            self._facts[table] = hit
        return hit[2]


class MigrationCheck:
    """What a rule sees: one migration, for one dialect."""

    def __init__(self, run: "ManifestRun", migration, dialect: str, up: list[Stmt], down: list[Stmt],
                 up_source, down_source) -> None:
        self.run = run
        self.migration = migration
        self.dialect = dialect
        self.traits = traits(dialect)
        self.up = up
        self.down = down
        self.up_source = up_source
        self.down_source = down_source
        self.transaction = bool(getattr(migration, "transaction", True))
        self.created_tables: set[str] = set()  # created so far, in this migration's up
        self.created_indexes: set[str] = set()
        # (table, column) added by this migration so far -> True when every row gets the same non-NULL
        # value (a DEFAULT), False when the rows hold NULL or distinct values (serial, identity)
        self.added_columns: dict[tuple[str, str], bool] = {}
        self.in_explicit_tx = False
        self.catalog = run.catalogs[dialect]
        self.current: Stmt | None = None
        self.sqlite_before: dict = {}  # SQLite: (type, name) -> (tbl_name, normalised sql, sql)
        self.sqlite_after: dict = {}  # SQLite: the same, after up
        self.sqlite_after_down: dict | None = None  # SQLite: after up then down (None: down not replayed)
        self.split_errors: list = []  # (block, source, SplitError): a block the splitter could not read

    @property
    def file(self) -> str | None:
        return getattr(self.migration, "source_file", None)

    def target(self, dialect: str | None = None) -> tuple[int, ...] | None:
        return self.run.options.targets.get(dialect or self.dialect)

    def is_new(self, table: str | None) -> bool:
        return table is not None and table in self.created_tables

    def report(self, rule: Rule | type[Rule], stmt: Stmt, message: str, at: int | None = None,
               help: str | None = None) -> None:
        line, col = stmt.pos(at)
        self.run.add(rule, message, stmt.source.file or self.file, line, col, self.migration, self.dialect,
                     help=help)

    def report_at(self, rule, message: str, source, offset: int) -> None:
        """A finding at ``offset`` of a block's text (no statement there: the splitter gave up)."""
        line, col = source.position(offset)
        self.run.add(rule, message, source.file or self.file, line, col, self.migration, self.dialect)

    def report_migration(self, rule, message: str, help: str | None = None, line=None, column=None) -> None:
        line = line if line is not None else getattr(self.migration, "source_line", None) or 1
        self.run.add(rule, message, self.file, line, column or 1, self.migration, self.dialect, help=help)


