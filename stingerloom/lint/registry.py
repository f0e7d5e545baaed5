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
    "SL101": "require_valid_manifest",
    "SL102": "require_valid_path",
    "SL103": "require_unique_id",
    "SL104": "ban_duplicate_or_orphan_file",
    "SL105": "require_ordered_file_numbers",
    "SL106": "ban_empty_block",
    "SL107": "require_dialect_coverage",
    "SL108": "require_portable_default",
    "SL109": "require_down_for_each_up_dialect",
    "SL110": "ban_secret_in_manifest",
    "SL111": "ban_down_when_irreversible",
    "SL112": "require_description",
    "SL120": "ban_editing_applied_migration",
    "SL121": "ban_inserting_before_applied",
    "SL122": "ban_removing_migration",
    "SL190": "ban_unused_ignore",
    "SL191": "require_ignore_reason",
    "SL192": "ban_unknown_rule_in_ignore",
    "SL201": "require_valid_syntax",
    "SL202": "prefer_analyzable_statement",
    "SL301": "require_transaction_false",
    "SL302": "ban_transaction_nesting",
    "SL303": "ban_uncommitted_transaction",
    "SL304": "prefer_robust_statements",
    "SL305": "require_lock_timeout",
    "SL306": "require_statement_timeout",
    "SL307": "ban_backfill_with_ddl",
    "SL308": "require_where_in_dml",
    "SL310": "ban_unneeded_transaction_false",
    "SL311": "require_non_transactional_statement_alone",
    "SL312": "prefer_one_ddl_per_mysql_migration",
    "SL313": "ban_sqlite_pragma_in_transaction",
    "SL314": "ban_enum_add_value_in_transaction",
    "SL315": "ban_sqlite_unsupported_alter",
    "SL316": "ban_client_only_syntax",
    "SL317": "ban_session_setting_leak",
    "SL318": "ban_drop_cascade",
    "SL401": "require_down",
    "SL402": "require_inverse_down",
    "SL403": "require_reverse_order_in_down",
    "SL404": "prefer_idempotent_down",
    "SL405": "ban_lossy_rollback",
    "SL406": "require_rerunnable_repeatable",
    "SL501": "ban_drop_table",
    "SL502": "ban_drop_column",
    "SL503": "ban_drop_schema_or_database",
    "SL504": "ban_rename_table",
    "SL505": "ban_rename_column",
    "SL506": "ban_rename_schema_or_enum_value",
    "SL507": "ban_drop_not_null",
    "SL508": "ban_drop_constraint",
    "SL509": "ban_truncate_cascade",
    "SL510": "ban_column_type_change",
    "SL601": "require_concurrent_index_creation",
    "SL602": "require_concurrent_index_deletion",
    "SL603": "require_concurrent_reindex",
    "SL604": "require_concurrent_detach_partition",
    "SL605": "require_not_valid_foreign_key",
    "SL606": "require_not_valid_check",
    "SL607": "require_validate_in_separate_transaction",
    "SL608": "require_not_null_check_first",
    "SL609": "require_unique_index_first",
    "SL610": "require_primary_key_index_first",
    "SL611": "ban_rewriting_default",
    "SL612": "ban_adding_stored_generated_column",
    "SL613": "ban_adding_auto_increment_column",
    "SL614": "ban_adding_exclusion_constraint",
    "SL615": "ban_table_rewrite_maintenance",
    "SL616": "ban_create_trigger_on_existing_table",
    "SL617": "require_not_valid_domain_constraint",
    "SL618": "require_enum_value_position",
    "SL619": "ban_concurrent_index_on_early_pg14",
    "SL701": "ban_adding_required_column",
    "SL702": "ban_unique_on_existing_data",
    "SL801": "ban_copy_algorithm_or_lock",
    "SL802": "ban_table_copy_change",
    "SL803": "ban_inline_references",
    "SL811": "require_innodb_on_galera",
    "SL812": "require_primary_key_on_galera",
    "SL813": "ban_lock_tables_on_galera",
    "SL814": "ban_wsrep_off_on_galera",
    "SL851": "ban_sqlite_rebuild_to_not_null",
    "SL901": "prefer_bigint",
    "SL902": "prefer_identity",
    "SL903": "prefer_text_field",
    "SL904": "ban_char",
    "SL905": "prefer_timestamptz",
    "SL906": "prefer_jsonb",
    "SL907": "ban_long_identifier",
    "SL908": "require_schema_qualified",
    "SL909": "require_naming_convention",
    "SL910": "require_index_name",
    "SL911": "require_index_on_foreign_key",
    "SL912": "require_on_delete",
    "SL913": "require_primary_key",
    "SL914": "ban_wide_index",
    "SL915": "ban_hash_index",
    "SL916": "ban_duplicate_column",
    "SL917": "prefer_column_alignment",
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
