"""Every rule code, and the module that holds its class (one rule per file). Rule modules load on first use only, so
``stingerloom --help`` never imports a parser or a rule."""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .api import Rule

#: every rule code and the module of stingerloom/lint/rules/ that holds its class (one rule per file,
#: named for what it checks); tests/lint/test_cases.py checks this table against the classes both ways.
MODULE_OF: dict[str, str] = {
    "SL101": "manifest_invalid",
    "SL102": "bad_path",
    "SL103": "duplicate_id",
    "SL104": "duplicate_or_orphan_file",
    "SL105": "order",
    "SL106": "empty_block",
    "SL107": "dialect_coverage",
    "SL108": "default_not_portable",
    "SL109": "up_down_dialect_mismatch",
    "SL110": "secret_in_manifest",
    "SL111": "irreversible_contradiction",
    "SL112": "missing_description",
    "SL120": "applied_migration_edited",
    "SL121": "inserted_before_applied",
    "SL122": "migration_removed",
    "SL190": "unused_ignore",
    "SL191": "ignore_without_reason",
    "SL192": "unknown_rule_in_ignore",
    "SL201": "syntax_error",
    "SL202": "unanalyzable_statement",
    "SL301": "needs_no_transaction",
    "SL302": "transaction_nesting",
    "SL303": "uncommitted_transaction",
    "SL304": "non_transactional_not_robust",
    "SL305": "require_lock_timeout",
    "SL306": "require_statement_timeout",
    "SL307": "backfill_with_ddl",
    "SL308": "dml_without_where",
    "SL310": "transaction_false_unneeded",
    "SL311": "non_tx_with_siblings",
    "SL312": "mysql_ddl_not_atomic",
    "SL313": "sqlite_pragma_in_transaction",
    "SL314": "enum_add_value_in_transaction",
    "SL315": "sqlite_unsupported_alter",
    "SL316": "client_only_syntax",
    "SL317": "session_setting_leak",
    "SL318": "drop_cascade",
    "SL401": "missing_down",
    "SL402": "down_not_inverse",
    "SL403": "down_order",
    "SL404": "down_not_idempotent",
    "SL405": "lossy_rollback",
    "SL406": "repeatable_not_rerunnable",
    "SL501": "drop_table",
    "SL502": "drop_column",
    "SL503": "drop_schema_or_database",
    "SL504": "rename_table",
    "SL505": "rename_column",
    "SL506": "rename_schema_or_enum_value",
    "SL507": "drop_not_null",
    "SL508": "drop_constraint",
    "SL509": "truncate_cascade",
    "SL510": "change_column_type",
    "SL601": "index_not_concurrent",
    "SL602": "drop_index_not_concurrent",
    "SL603": "reindex_not_concurrent",
    "SL604": "detach_partition_not_concurrent",
    "SL605": "foreign_key_validating",
    "SL606": "check_validating",
    "SL607": "validate_in_same_transaction",
    "SL608": "set_not_null",
    "SL609": "unique_constraint_blocking",
    "SL610": "primary_key_blocking",
    "SL611": "rewriting_default",
    "SL612": "stored_generated_column",
    "SL613": "add_auto_increment_column",
    "SL614": "exclusion_constraint",
    "SL615": "table_rewrite_maintenance",
    "SL616": "create_trigger_lock",
    "SL617": "domain_constraint",
    "SL618": "enum_value_unordered",
    "SL619": "concurrent_index_corruption_pg14",
    "SL701": "add_required_column",
    "SL702": "unique_on_existing_data",
    "SL801": "copy_algorithm_or_lock",
    "SL802": "table_copy_change",
    "SL803": "inline_references_ignored",
    "SL811": "galera_non_innodb",
    "SL812": "galera_no_primary_key",
    "SL813": "galera_lock_tables",
    "SL814": "galera_wsrep_off",
    "SL851": "sqlite_not_null_rebuild",
    "SL901": "prefer_bigint",
    "SL902": "prefer_identity",
    "SL903": "prefer_text_field",
    "SL904": "ban_char",
    "SL905": "prefer_timestamptz",
    "SL906": "prefer_jsonb",
    "SL907": "identifier_too_long",
    "SL908": "require_schema_qualified",
    "SL909": "naming_convention",
    "SL910": "index_explicit_name",
    "SL911": "fk_needs_index",
    "SL912": "fk_needs_on_delete",
    "SL913": "table_needs_pk",
    "SL914": "wide_index",
    "SL915": "hash_index",
    "SL916": "duplicate_column",
    "SL917": "column_alignment",
}
CODES: tuple[str, ...] = tuple(sorted(MODULE_OF))


def exists(code: str) -> bool:
    return code in MODULE_OF


@lru_cache(maxsize=None)
def _module(name: str):
    return importlib.import_module(f"stingerloom.lint.rules.{name}")


def get(code: str) -> type[Rule]:
    mod = _module(MODULE_OF[code])
    return getattr(mod, code)


def all_rules() -> list[type[Rule]]:
    return [get(c) for c in CODES]


def _matches(code: str, patterns) -> bool:
    return any(p == "ALL" or code.startswith(p) for p in patterns)


def selected_rules(select=(), ignore=()) -> list[Rule]:
    """Rules on by default plus ``select`` (codes or prefixes such as ``SL9``), minus ``ignore``.
    Planned rules never run."""
    from .model import iter_codes

    sel, ign = iter_codes(select), iter_codes(ignore)
    out = []
    for cls in all_rules():
        on = cls.default_enabled or _matches(cls.code, sel)
        if on and not _matches(cls.code, ign) and not cls.planned:
            out.append(cls())
    return out


def bad_codes(patterns) -> list[str]:
    from .model import iter_codes

    return [p for p in iter_codes(patterns) if p != "ALL" and not any(c.startswith(p) for c in CODES)]
