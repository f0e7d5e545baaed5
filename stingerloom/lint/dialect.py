"""What lint needs to know about each dialect, as a table of traits.

Rules and the engine ask ``ctx.traits`` / ``stmt.traits`` (a :class:`LintDialect`) instead of comparing
dialect names, so a behaviour that differs between databases is named for what it is
(``ddl_commits``, ``parse_tree``, …) and a new dialect is one more row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LintDialect:
    name: str
    #: statements are parsed into a tree by the server's own grammar (pglast); else read as text
    parse_tree: bool = False
    #: the whole migration is checked by really running it (SQLite in memory)
    replays: bool = False
    #: ``#`` starts a comment
    hash_comments: bool = False
    #: DDL commits the open transaction (MySQL/MariaDB): a migration is never atomic
    ddl_commits: bool = False
    #: the longest identifier, and whether it is counted in bytes (else characters)
    identifier_limit: int = 64
    identifier_bytes: bool = False
    #: the session settings that bound how long a statement waits for a lock (None: the rule's own)
    lock_timeout_settings: tuple[str, ...] | None = None
    #: statement kinds that must run outside a transaction block and have no other sign of it
    no_transaction_kinds: frozenset = frozenset()
    #: an unrecognised statement is reported as one nobody can analyse (no parser gives a verdict)
    reports_unknown: bool = False
    #: ALTER TABLE copies the table unless it can change it in place (MySQL's ALGORITHM=)
    alter_algorithm: bool = False
    #: a NOT NULL column added without a default silently gets the type's zero value (MySQL), rather
    #: than failing on a non-empty table
    zero_fills_not_null: bool = False
    #: a failed migration's DDL is rolled back with it, so down need not be idempotent (as the rules
    #: count it: PostgreSQL)
    rolls_back_ddl: bool = False
    #: ``DROP INDEX`` takes ``IF EXISTS`` (MySQL's does not)
    drop_index_if_exists: bool = True
    #: name-based inverse check of down (SL402 on the parse tree); SQLite's replay does it for real
    checks_inverse_by_name: bool = False


DIALECTS = {
    "postgres": LintDialect("postgres", parse_tree=True, identifier_limit=63, identifier_bytes=True,
                            no_transaction_kinds=frozenset({"AlterEnumStmt"}), checks_inverse_by_name=True,
                            rolls_back_ddl=True),
    "mysql": LintDialect("mysql", hash_comments=True, ddl_commits=True,
                         lock_timeout_settings=("lock_wait_timeout", "innodb_lock_wait_timeout"),
                         reports_unknown=True, alter_algorithm=True, zero_fills_not_null=True,
                         drop_index_if_exists=False),
    "sqlite": LintDialect("sqlite", replays=True, lock_timeout_settings=("lock_wait_timeout", "innodb_lock_wait_timeout"),
                          no_transaction_kinds=frozenset({"PragmaStmt", "VacuumStmt"})),
}


def traits(name: str) -> LintDialect:
    return DIALECTS[name]
