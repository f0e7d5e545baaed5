"""The lint engine: read, split, parse once per dialect, dispatch to rules, apply ignores.

Every block of SQL is split with :func:`stingerloom.sqltext.split_statements` (the same splitter the
runner uses, so lint checks what will really run) and each statement is parsed once per dialect; all
rules share that parse. Statement rules are dispatched by statement kind, so a rule only sees the
statements it cares about.
"""

from __future__ import annotations

import gc
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

# (facts imports sqltext too: importing it here costs nothing; inside split it cost ~1 us a call)
from stingerloom.sqltext import SplitError, comments_and_literals, split_statements

from . import registry
from .actions import AddColumn, AddConstraint, AlterColumnType, CreateIndex, CreateTable, Transaction
from .api import Catalog, MigrationCheck, Rule, Stmt
from .dialect import traits
from .facts import classify, norm_ident
from .model import ALL_DIALECTS, Finding, LintResult
from .parse import SqliteReplay, object_keys, parse_pg, sqlite_error_offset


@dataclass(frozen=True)
class _Span:
    end: int  # offset of the statement's end in its block
    first_line: int
    last_line: int


@dataclass
class Options:
    dialects: tuple[str, ...] | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    targets: dict = field(default_factory=dict)
    base: str | None = None
    cwd: str | None = None
    placeholders: Any = None
    strict_placeholders: bool = False


@dataclass
class Ignore:
    file: str | None
    line: int
    column: int
    codes: tuple[str, ...]  # empty: every rule
    file_level: bool
    reason: str
    span: tuple[int, int] | None = None  # lines of the statement it applies to
    used: set = field(default_factory=set)
    bad: tuple[str, ...] = ()


_IGNORE_RE = re.compile(r"--\s*stingerloom:(ignore-file|ignore)\b([^\n]*)", re.I)


class ManifestRun:
    def __init__(self, options: Options, rules: list[Rule], manifest) -> None:
        self.options = options
        self.rules = rules
        self.manifest = manifest
        self.findings: list[Finding] = []
        self.catalogs: dict[str, Catalog] = {}
        self._ignore_sources: dict[int, tuple[Any, list[Stmt]]] = {}
        self.stmt_rules: dict[str, dict[str, list[Rule]]] = {}
        self.mig_rules: dict[str, list[Rule]] = {}
        for d in ALL_DIALECTS:
            by_kind: dict[str, list[Rule]] = {}
            mig = []
            for r in rules:
                if d not in r.dialects:
                    continue
                for k in r.kinds:
                    by_kind.setdefault(k, []).append(r)
                if type(r).check_migration is not Rule.check_migration:
                    mig.append(r)
            self.stmt_rules[d] = by_kind
            self.mig_rules[d] = mig
        self.enabled = {r.code for r in rules}
        self.manifest_rules = [r for r in rules if type(r).check_manifest is not Rule.check_manifest]
        self.problems: list = []  # the loader's problems (errors.Problem), reported by SL101-SL103
        self.ignore_comments: list[Ignore] = []  # after they were applied (SL190-SL192 check them)
        self.dialects: tuple[str, ...] = ()
        self._memo: dict = {}
        self._meta: dict[str, tuple] = {}  # code -> (severity, help) of the rule class (see add)
        self._shared_splits: dict[str, list] = {}  # see _split_text
        self._more_dialects = True
        self._chosen_rules: dict[str, dict[tuple, tuple]] = {}  # see _run_rules
        self._chosen_mig_rules: dict[tuple, tuple] = {}  # see _migration_rules

    def memo(self, key, compute):
        """``compute()`` once per run (facts several rules need, e.g. the manifest at ``--base``)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def check_manifest(self, manifest, migrations, path, *, after_ignores: bool = False) -> None:
        for rule in self.manifest_rules:
            if rule.after_ignores == after_ignores and (manifest is not None or rule.runs_on_unloadable):
                rule.check_manifest(self, manifest, migrations, self.dialects, path)

    def unique_ignores(self) -> list[Ignore]:
        """The ignore comments, each once (a comment is found again by every dialect's worker)."""
        seen, out = set(), []
        for ig in self.ignore_comments:
            key = (ig.file, ig.line, ig.column)
            if key not in seen:
                seen.add(key)
                out.append(ig)
        return out

    def add(self, rule, message, file, line, column, migration, dialect, help=None, severity=None) -> None:
        code = rule if isinstance(rule, str) else rule.code
        if code not in self.enabled:
            return
        meta = self._meta.get(code)
        if meta is None:
            cls = registry.get(code)
            meta = self._meta[code] = (cls.severity, cls.help)
        self.findings.append(Finding(
            code, severity or meta[0], message, str(file) if file else None, line, column,
            getattr(migration, "id", migration), dialect, help or meta[1],
        ))

    # ----------------------------------------------------------------------------------------------
    def split(self, source, dialect: str, block: str, migration, errors: list, shared: bool = True) -> list[Stmt]:
        """The statements of one block; a block the splitter cannot read goes to ``errors`` (SL201,
        SL316) and the statements before the problem are still checked. ``shared``: other dialects
        may read the same block (see _split_text)."""
        if source is None:
            return []
        try:
            parts = self._split_text(source.text, dialect) if shared else split_statements(source.text, dialect)
        except SplitError as exc:
            errors.append((block, source, exc))
            try:  # still check the statements before the problem
                parts = split_statements(source.text[: exc.offset], dialect)
            except SplitError:
                parts = []
        out = [Stmt(p.sql, p.offset, source, i, dialect, block, migration) for i, p in enumerate(parts)]
        if "stingerloom:" in source.text and id(source) not in self._ignore_sources:
            # only the spans are kept: holding every parse tree until the end would grow with the manifest
            spans = [_Span(st.end, st.pos(0)[0] or 0, source.position(st.end)[0] or 0) for st in out]
            self._ignore_sources[id(source)] = (source, spans)
        return out

    def _split_text(self, text: str, dialect: str) -> list:
        """:func:`~stingerloom.sqltext.split_statements`, once for a block every dialect splits the same
        way (the same ``down`` or portable ``up`` is split again for each dialect checked)."""
        if not self._more_dialects:  # the last dialect here: nobody needs the parts after this one
            parts = self._shared_splits.pop(text, None)
            return split_statements(text, dialect) if parts is None else parts
        parts = self._shared_splits.get(text)
        if parts is None:
            parts = split_statements(text, dialect)
            if not _DIALECT_FREE.search(text.upper()):
                self._shared_splits[text] = parts
        return parts

    def parse(self, stmts: list[Stmt], dialect: str, migration) -> list[Stmt]:
        """Fill in kind/node and the parser's verdict (SL201 and SL202 report it). Returns the
        statements (a multi-statement chunk from the splitter is expanded)."""
        out = []
        tree = traits(dialect).parse_tree
        for st in stmts:
            # client commands (DELIMITER, \set) never get here: the splitter reports them (SL316)
            if not tree:
                st.kind = classify(st.sql)
                out.append(st)
                continue
            parsed = parse_pg(st.sql)
            first = parsed[0]
            st.kind, st.node = first.kind, first.node
            if first.error:
                st.error = first.error
                if st.kind == "Error":
                    st.error_from, st.error_at = "PostgreSQL", first.error[1]
                else:
                    st.error_from = "PL/pgSQL body"
            elif first.undecided:
                st.undecided = first.undecided
            out.append(st)
            for extra in parsed[1:]:  # the splitter left several statements together
                s2 = Stmt(st.sql, st.offset, st.source, st.index, dialect, st.block, migration)
                s2.kind, s2.node = extra.kind, extra.node
                out.append(s2)
        return out

    # ----------------------------------------------------------------------------------------------
    def check_dialect(self, dialect: str, migrations: list, more: bool = True) -> None:
        """Check every migration for ``dialect``; ``more``: this process checks another dialect after
        it (else the blocks shared between dialects are let go as they are used, see _split_text)."""
        self._more_dialects = more
        self.catalogs[dialect] = Catalog(dialect=dialect)
        replay = SqliteReplay() if traits(dialect).replays else None
        try:
            for m in migrations:
                up_src, down_src = m.up_sql(dialect), m.down_sql(dialect)
                errors: list = []
                # a block written for this dialect alone is split for it alone (no other dialect's check
                # could reuse its statements)
                up = self.parse(self.split(up_src, dialect, "up", m, errors, dialect not in m.up_sources), dialect, m)
                down = self.parse(self.split(down_src, dialect, "down", m, errors, dialect not in m.down_sources),
                                  dialect, m)
                ctx = MigrationCheck(self, m, dialect, up, down, up_src, down_src)
                ctx.split_errors = errors
                if replay is not None:
                    self._replay_sqlite(replay, ctx)
                self._run_rules(ctx)
        finally:
            if replay is not None:
                replay.close()

    def _replay_sqlite(self, replay: SqliteReplay, ctx: MigrationCheck) -> None:
        stmts = ctx.up + ctx.down
        before = replay.begin(object_keys(" ".join(st.stripped for st in stmts)), " ".join(st.sql for st in stmts))
        ctx.sqlite_before = before  # the schema this migration starts from (SL851)
        up_failed = self._exec_all(replay, ctx.up, ctx)
        ups = [st.sql for st in ctx.up]
        # plain CREATE TABLE / CREATE INDEX only: the schema after them is known without a query
        after_up = None if up_failed else replay.after_creating(before, ups)
        if after_up is None:
            after_up = replay.snapshot()
        ctx.sqlite_after = after_up
        replay.remember(before, after_up)
        if not ctx.down or (not up_failed and _drops_what_up_creates(ctx)):
            return
        if not up_failed:  # a down of plain DROP TABLEs: what it leaves is known without running it
            after_down = replay.after_dropping([st.sql for st in ctx.down], ups, after_up)
            if after_down is not None:
                ctx.sqlite_after_down = after_down
                return
        # The database is this migration's own (see SqliteReplay): down runs for real, nothing to undo.
        down_failed = self._exec_all(replay, ctx.down, ctx)
        after_down = replay.snapshot()
        if not up_failed and not down_failed:
            ctx.sqlite_after_down = after_down  # SL402 compares it with the schema before up

    def _exec_all(self, replay: SqliteReplay, stmts: list[Stmt], ctx: MigrationCheck) -> bool:
        failed = False
        for st in stmts:
            if st.kind in ("TransactionStmt", "ClientCommand", "Empty"):
                continue
            if st.kind == "VacuumStmt" or (st.kind == "PragmaStmt" and re.match(r"\s*PRAGMA\s+(\w+\.)?(journal_mode|wal_checkpoint)", st.sql, re.I)):
                continue  # cannot run inside the replay's savepoint; not schema changes anyway
            if st.kind == "PragmaStmt":  # its setting outlives the migration's rollback
                replay.predictable = False
            res = replay.execute(st.sql)
            if res is None:
                continue
            failed = True
            cat, msg = res
            if cat == "syntax":
                st.error = (msg, 0)
                st.error_from, st.error_at = "SQLite", sqlite_error_offset(st.sql, msg)
        return failed

    def _rules_for(self, dialect: str, kind: str, repeatable: bool, readable: bool) -> tuple:
        """The ``check_stmt`` methods of the statement rules that check a statement of ``kind`` (chosen
        once per combination, not for every statement)."""
        return tuple(r.check_stmt for r in self.stmt_rules[dialect].get(kind, ())
                     if (r.for_repeatable or not repeatable) and (readable or r.runs_on_errors))

    def _migration_rules(self, dialect: str, repeatable: bool) -> tuple:
        """The ``check_migration`` methods of the migration rules (chosen once per dialect)."""
        key = (dialect, repeatable)
        hooks = self._chosen_mig_rules.get(key)
        if hooks is None:
            hooks = self._chosen_mig_rules[key] = tuple(
                r.check_migration for r in self.mig_rules[dialect] if not repeatable or r.for_repeatable)
        return hooks

    def _run_rules(self, ctx: MigrationCheck) -> None:
        chosen = self._chosen_rules.setdefault(ctx.dialect, {})
        repeatable = ctx.migration.repeatable
        parse_tree = ctx.traits.parse_tree
        for st in ctx.up:
            ctx.current = st
            # A statement with an error, or a PostgreSQL one without a parse tree (pglast could not
            # parse it), reaches only the rules written for that case: no rule ever reads a tree that
            # does not exist.
            key = (st.kind, repeatable, st.error is None and (st.node is not None or not parse_tree))
            rules = chosen.get(key)
            if rules is None:
                rules = chosen[key] = self._rules_for(ctx.dialect, *key)
            for check in rules:
                check(st, ctx)
            if st.kind in _TRACK_KINDS:
                _track(ctx, st)
        ctx.current = None
        for check in self._migration_rules(ctx.dialect, repeatable):
            check(ctx)
        _update_catalog(ctx)

    # ----------------------------------------------------------------------------------------------
    def ignores(self, cwd: str | None) -> list[Ignore]:
        out: list[Ignore] = []
        for source, stmts in self._ignore_sources.values():
            text = source.text
            if "stingerloom:" not in text:
                continue
            for m in comments_and_literals(text):
                c = m.group(0)
                if not c.startswith("--"):
                    continue
                im = _IGNORE_RE.match(c)
                if not im:
                    continue
                rest = im.group(2)
                codes_part, _, reason = rest.partition("--")
                tokens = [t for t in re.split(r"[\s,]+", codes_part) if t]
                codes = tuple(t.upper() for t in tokens if registry.exists(t.upper()))
                bad = tuple(t for t in tokens if not registry.exists(t.upper()))
                line, col = source.position(m.start())
                ig = Ignore(source.file, line, col, codes, im.group(1).lower() == "ignore-file", reason.strip(),
                            bad=bad)
                if not ig.file_level:
                    target = next((s for s in stmts if s.end > m.end()), None)
                    if target is not None:
                        ig.span = (target.first_line, target.last_line)
                out.append(ig)
        return out


def _track(ctx: MigrationCheck, st: Stmt) -> None:
    k = st.kind
    if k in _FACT_KINDS:
        t = st.table
        if (k != "IndexStmt" or "UNIQUE" in st.sql.upper()) and t and st.readable:
            _track_facts(ctx, st, t)
        if k == "CreateStmt":
            if t:
                ctx.created_tables.add(t)
            return
    if k not in _TRACKED_KINDS:
        return
    for a in st.actions:
        cls = type(a)
        if cls is CreateTable:
            if a.table:
                ctx.created_tables.add(a.table)
        elif cls is CreateIndex:
            if a.name:
                ctx.created_indexes.add(a.name)
        elif cls is Transaction:
            if a.word == "BEGIN":
                ctx.in_explicit_tx = True
            elif a.word in ("COMMIT", "ROLLBACK"):
                ctx.in_explicit_tx = False


# What any dialect's splitter treats specially: quotes, comments, escapes, client commands (``\\x``,
# ``.x``, DELIMITER) and the words of compound bodies. A block without any is split at each ``;`` by
# every dialect alike (the statements are immutable, so the parts can be shared).
# (Searched in the upper-cased block: faster than a case-insensitive search.)
_DIALECT_FREE = re.compile(
    r"""['"`$#\[\\.{]|--|/\*|\b(?:BEGIN|CASE|END|IF|LOOP|WHILE|REPEAT|FOR|THEN|DO|DELIMITER"""
    r"|TRIGGER|PROCEDURE|FUNCTION|EVENT|RULE|ATOMIC)\b")

_FACT_KINDS = frozenset({"CreateStmt", "AlterTableStmt", "IndexStmt"})
_TRACKED_KINDS = frozenset({"CreateTableAsStmt", "IndexStmt", "TransactionStmt"})
_TRACK_KINDS = _FACT_KINDS | _TRACKED_KINDS  # the statements _track has anything to do with


def _track_facts(ctx: MigrationCheck, st: Stmt, t: str) -> None:
    """Record the table's DDL (see Catalog.facts) and the columns this migration adds to an existing
    table (for each: does every row get the same non-NULL value?)."""
    cat = ctx.catalog
    if st.kind == "CreateStmt":
        cat.ddl[t] = [st.sql]
        return
    cat.ddl.setdefault(t, []).append(st.sql)
    if st.kind != "AlterTableStmt" or t in ctx.created_tables:  # (ctx.is_new, t being a name)
        return
    for a in st.actions:
        if isinstance(a, AddColumn):
            ctx.added_columns[(t, a.column.name)] = a.default_repeats


def _update_catalog(ctx: MigrationCheck) -> None:
    """What this migration's up built, for the next migrations' rules (see :class:`Catalog`)."""
    cat = ctx.catalog
    # column types and index columns: from parse trees only (the rules that read them need exact types)
    parse_tree = ctx.traits.parse_tree
    for st in ctx.up:
        kind = st.kind
        if kind not in _CATALOG_KINDS:
            continue
        t = st.table
        if kind == "CreateStmt" and t:
            cat.tables.add(t)
        if parse_tree and st.node is not None:  # readable
            for a in st.actions:
                record = _CATALOG.get(type(a))
                if record is not None:
                    record(cat, t, a)


def _catalog_table(cat: Catalog, t, a: CreateTable) -> None:
    for col in a.columns:
        cat.columns[(t, col.name)] = (col.type, list(col.mods))
        if col.unique:
            cat.index_first_cols.add((t, col.name))
    for key in a.keys:
        if key:
            cat.index_first_cols.add((t, key[0]))


def _catalog_key(cat: Catalog, t, a: AddConstraint) -> None:
    if a.kind in ("primary", "unique") and a.columns:
        cat.index_first_cols.add((t, a.columns[0]))


def _catalog_index(cat: Catalog, t, a: CreateIndex) -> None:
    if a.columns and a.columns[0]:
        cat.index_first_cols.add((t, a.columns[0]))


_CATALOG_KINDS = frozenset({"CreateStmt", "AlterTableStmt", "IndexStmt"})
_CATALOG = {
    CreateTable: _catalog_table,
    AddColumn: lambda cat, t, a: cat.columns.__setitem__((t, a.column.name), (a.column.type, list(a.column.mods))),
    AlterColumnType: lambda cat, t, a: cat.columns.__setitem__((t, a.column), (a.type, list(a.mods))),
    AddConstraint: _catalog_key,
    CreateIndex: _catalog_index,
}


_DROP_TABLE = re.compile(r"\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\"[^\"]+\"|`[^`]+`|[A-Za-z_]\w*)\s*\Z", re.I)
_ON_TABLE_KINDS = frozenset({"IndexStmt", "CreateTrigStmt", "InsertStmt", "UpdateStmt", "DeleteStmt"})


def _drops_what_up_creates(ctx: MigrationCheck) -> bool:
    """True when down is exactly ``DROP TABLE`` of every table up creates and up touches nothing else:
    then down is the inverse by construction (dropping a table drops its indexes and triggers), and
    running it in SQLite would only confirm that. Saves the replay most of its time on real manifests."""
    if any(st.kind != "CreateStmt" and st.kind not in _ON_TABLE_KINDS for st in ctx.up):
        return False  # as the loop below would say, without working out any statement's table first
    dropped = set()
    for st in ctx.down:
        m = _DROP_TABLE.match(st.stripped)
        if not m:
            return False
        dropped.add(norm_ident(m.group(1)))
    created = set()
    for st in ctx.up:
        if st.kind == "CreateStmt" and st.table:
            created.add(st.table)
        elif st.kind in _ON_TABLE_KINDS and st.table in created:
            continue
        else:
            return False
    return bool(created) and created == dropped


# ---------------------------------------------------------------------------------------------------


def read_manifest(path: str):
    from stingerloom.manifest import read_manifest as _read

    return _read(path)


def choose_dialects(options: Options, migrations: list) -> tuple[str, ...]:
    if options.dialects:
        return tuple(d for d in ALL_DIALECTS if d in options.dialects)
    named = set()
    for m in migrations:
        for src in (getattr(m, "up_sources", {}), getattr(m, "down_sources", {})):
            named.update(k for k in src if k in ALL_DIALECTS)
    return tuple(d for d in ALL_DIALECTS if d in named) or ALL_DIALECTS


def lint_paths(paths: Iterable[str], *, dialects=None, select=(), ignore=(), targets=None, base=None,
               cwd=None, verify_args=None, placeholders=None, strict_placeholders=False, workers=None) -> LintResult:
    """Lint every manifest of ``paths``.

    ``placeholders`` (a :class:`~stingerloom.placeholders.PlaceholderValues`) gives ``${name}`` its
    value; a placeholder without one gets a neutral stand-in (an identifier), so that ``${schema}.t``
    parses. With ``strict_placeholders`` (an environment was chosen) each one without a value is
    also a finding (SL101), as apply would refuse it. ``workers`` (a :class:`.workers.WorkerPool`,
    chosen by the command layer) lets a long manifest be checked in several processes."""
    options = Options(tuple(dialects) if dialects else None, tuple(select), tuple(ignore), dict(targets or {}),
                      base, cwd or os.getcwd())
    options.placeholders = placeholders
    options.strict_placeholders = strict_placeholders
    rules = registry.selected_rules(options.select, options.ignore)
    result = LintResult()
    with _fewer_collections():
        for path in paths:
            _lint_one(str(path), options, rules, result, verify_args, workers)
        result.findings = _finish(result.findings, options.cwd)
    return result


_YOUNG_THRESHOLD = 1_000_000  # see _fewer_collections


@contextmanager
def _fewer_collections():
    """Lint allocates many small objects that live to the end of the run (statements, actions,
    findings, parse trees): with the default threshold the collector ran ~800 times on 10,000 migrations
    (0.3-0.4 s, finding little), with 10,000 ~50 times (0.1-0.2 s: each pass walks the container objects
    still alive, and the trees of the statements being checked always are). With 1,000,000 (net new
    container objects; restored after) it does not run on those 10,000 migrations, at the same peak
    memory; a longer run still collects, each time after that many, so garbage cycles stay bounded."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], _YOUNG_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _lint_one(path: str, options: Options, rules: list[Rule], result: LintResult, verify_args, workers) -> None:
    from stingerloom.errors import InputError

    SL102 = registry.get("SL102")

    if not Path(path).exists():
        result.unusable = True
        result.findings.append(SL102.finding(f"no such manifest file: {path}", path))
        return
    try:
        manifest, problems = read_manifest(path)
    except InputError as exc:
        result.unusable = True
        result.findings.append(SL102.finding(exc.message, path, exc.line, exc.column))
        return
    run = ManifestRun(options, rules, manifest)
    run.problems = list(problems)
    files = {str(Path(path))}
    if manifest is None:  # every problem is a finding (exit 1); the other rules need a loadable manifest
        run.check_manifest(None, [], path)
        result.files += 1
        result.findings.extend(run.findings)
        return
    migrations = [m for m in getattr(manifest, "migrations", ()) if hasattr(m, "up_sources")]
    migrations = _bind_placeholders(run, options, migrations)
    for m in migrations:
        if getattr(m, "source_file", None):
            files.add(str(m.source_file))
    for f in getattr(manifest, "files", ()) or ():
        files.add(str(f))
    result.files += len(files)
    dialects = choose_dialects(options, migrations)
    run.dialects = dialects
    ignores = _check_dialects(run, dialects, migrations, lambda: run.check_manifest(manifest, migrations, path),
                              workers)
    if verify_args is not None and getattr(verify_args, "verify", False):
        from stingerloom.lint.verify import run_verify

        SL402 = registry.get("SL402")
        _check_replayable(migrations, verify_args, result)
        verified = run_verify(manifest, verify_args)
        run.findings = SL402.supersede(run.findings, verified)
        run.findings.extend(verified)
    _apply_ignores(run, ignores)
    run.check_manifest(manifest, migrations, path, after_ignores=True)
    result.findings.extend(run.findings)


def _bind_placeholders(run: ManifestRun, options: Options, migrations: list) -> list:
    from stingerloom.errors import Problem, StingerloomError
    from stingerloom.placeholders import SECRET_NAME, bind, stand_in, undefined

    values = options.placeholders
    if options.strict_placeholders and values is not None:
        for p in undefined(migrations, values.defined, choose_dialects(options, migrations)):
            run.problems.append(Problem(p.message + f" ({values.hint()})", p.file, p.line, p.column))  # SL101

    def value(name: str) -> str:
        # a secret (``${app_password}``) keeps its stand-in: lint needs no password, and a parser's
        # message quoting the token it stopped at must not print one
        if values is not None and values.defined(name) and not SECRET_NAME.search(name):
            try:
                return values.get(name)
            except StingerloomError:  # e.g. its ${VAR} is not set here: lint does not need it
                pass
        return stand_in(name)

    return bind(migrations, value)


def _check_replayable(migrations: list, verify_args, result: LintResult) -> None:
    """``--verify`` replays the migrations on a scratch database (SQLite in memory unless
    ``--dev-database``) and stops at the first one without SQL for that dialect: say so, and refuse a
    replay that could not run anything (it would pass without having checked a thing)."""
    from stingerloom.errors import InputError
    from stingerloom.lint.verify import has_block
    from stingerloom.urls import DatabaseURL

    dev = getattr(verify_args, "dev_database", None)
    dialect = DatabaseURL.parse(dev).dialect if dev else "sqlite"
    stop = next((m for m in migrations if not has_block(m, "up", dialect)), None)
    if stop is None:
        return
    hint = (f"pass --dev-database with a scratch {'/'.join(sorted(choose_dialects(Options(), migrations)))} "
            "server (e.g. postgresql://user@localhost/postgres)" if not dev else
            "pass a --dev-database of the dialect the manifest is written for")
    done = migrations.index(stop)
    if done == 0:
        raise InputError(f"--verify cannot replay anything: migration {stop.id!r} has no SQL for {dialect}, "
                         f"the dialect of the {'--dev-database' if dev else 'default in-memory SQLite'} replay",
                         hint=hint)
    result.notes.append(f"--verify replayed only the first {done} of {len(migrations)} migrations: {stop.id!r} "
                        f"has no SQL for {dialect}; {hint}")


_PARALLEL_MIN = 300  # statements blocks (migrations x dialects) below which workers do not pay
_COST = {"sqlite": 2.2, "postgres": 1.0, "mysql": 0.6}  # relative cost per migration (bench/lint_bench.py)


def _check_dialects(run: ManifestRun, dialects, migrations, also=lambda: None, workers=None) -> list[Ignore]:
    """Check every dialect (and run ``also`` in this process); on a long manifest, with a pool of
    ``workers`` (see :mod:`.workers`; the command layer decides), workers check some dialects while
    this process checks the rest (they share nothing but the read-only manifest, so the wall time is
    the slowest worker's, not the sum)."""
    serial = (workers is None or len(dialects) < 2 or workers.count < 2
              or (len(migrations) * len(dialects) < _PARALLEL_MIN and not workers.forced))
    if serial:
        also()
        for i, d in enumerate(dialects):
            run.check_dialect(d, migrations, more=i < len(dialects) - 1)
        return run.ignores(None)
    # SQLite (it really runs the SQL) costs about as much as the other two together: on two CPUs it
    # gets a worker of its own and this process checks the rest.
    groups = [[d] for d in dialects]
    while len(groups) > workers.count:
        groups.sort(key=lambda g: sum(_COST.get(d, 1) for d in g))
        groups[0:2] = [groups[0] + groups[1]]
    groups.sort(key=lambda g: sum(_COST.get(d, 1) for d in g), reverse=True)
    mine, others = groups[-1], groups[:-1]

    def work(group):
        def check():
            try:
                run.findings = []
                for i, d in enumerate(group):
                    run.check_dialect(d, migrations, more=i < len(group) - 1)
                return run.findings, run.ignores(None)
            except BaseException as exc:  # noqa: BLE001 - handed to the parent
                return RuntimeError(f"lint worker for {', '.join(group)} failed: {exc!r}")
        return check

    jobs = [workers.start(work(group)) for group in others]
    try:
        also()
        for i, d in enumerate(mine):
            run.check_dialect(d, migrations, more=i < len(mine) - 1)
    finally:  # every worker is waited for, even when this process's part raised (e.g. --base unusable)
        results = [job.result() for job in jobs]
    ignores: list[Ignore] = run.ignores(None)
    error = None
    for res in results:
        if isinstance(res, BaseException):
            error = error or res
            continue
        run.findings.extend(res[0])
        ignores.extend(res[1])
    if error is not None:
        raise error
    return ignores


def _apply_ignores(run: ManifestRun, ignores: list[Ignore]) -> None:
    """Drop the findings an ignore comment covers, marking it used (SL190-SL192 then check them)."""
    if not ignores:
        return
    kept = []
    for f in run.findings:
        hit = None
        for ig in ignores:
            if ig.file != f.file and not (ig.file and f.file and Path(ig.file) == Path(f.file)):
                continue
            if ig.codes and f.rule not in ig.codes:
                continue
            if not ig.file_level and not (ig.span and f.line and ig.span[0] <= f.line <= ig.span[1]):
                continue
            hit = ig
            break
        if hit is None:
            kept.append(f)
        else:
            hit.used.add(f.rule)
    run.findings = kept
    run.ignore_comments = ignores


def _finish(findings: list[Finding], cwd: str | None) -> list[Finding]:
    """Relative paths, one finding for several dialects, sorted."""
    base = os.path.realpath(cwd or os.getcwd())
    merged: dict[tuple, Finding] = {}
    shown: dict[str, str] = {}
    for f in findings:
        if f.file:
            rel = shown.get(f.file)
            if rel is None:
                full = os.path.abspath(f.file)
                if not full.startswith(base + os.sep):
                    full = os.path.realpath(f.file)  # symlinks, /private/tmp and the like
                # (under base, both normalised: the relative path is the rest, as os.path.relpath says)
                rel = full[len(base) + 1:] if full.startswith(base + os.sep) else f.file
                rel = rel.replace(os.sep, "/")
                shown[f.file] = rel
            f.file = rel
        key = (f.rule, f.file, f.line, f.column, f.message, f.migration)
        prev = merged.get(key)
        if prev is None:
            merged[key] = f
        elif f.dialect and prev.dialect and f.dialect not in prev.dialect.split(","):
            prev.dialect = prev.dialect + "," + f.dialect
    return sorted(merged.values(), key=Finding.sort_key)
