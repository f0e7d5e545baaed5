"""SL202 prefer-analyzable-statement: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import report_at_statement


class SL202(Rule):
    """The safety rules cannot see inside this statement.

    ## What it does
    Reports statements that no rule can analyse: PostgreSQL `DO` blocks and function bodies, MySQL
    statements the classifier does not know, and statements a parser could neither accept nor reject
    (info level: never fails CI).

    ## Why is this bad?
    No safety rule ran on it: a `DO` block that drops a column passes every check.

    ## Example
    ```sql
    DO $$ BEGIN EXECUTE 'ALTER TABLE users DROP COLUMN phone'; END $$;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users DROP COLUMN phone;
    ```
    """

    code, name, severity, dialects = "SL202", "prefer-analyzable-statement", "info", ("postgres", "mysql")
    aliases = ("unanalyzable-statement",)  # its earlier name: --explain still takes it
    help = "review this statement by hand"

    def check_migration(self, ctx) -> None:
        prev = None
        reports_unknown = ctx.traits.reports_unknown
        for st in ctx.up + ctx.down:
            chunk_part = prev is not None and prev.source is st.source and prev.offset == st.offset
            prev = st
            if reports_unknown:
                if st.kind == "Unknown":
                    report_at_statement(self, ctx, st, "no rule could analyse this statement; review it by hand")
            elif st.error_from or chunk_part:
                continue  # a verdict (SL201), or the rest of a chunk the splitter left together
            elif st.undecided:
                report_at_statement(self, ctx, st, f"PL/pgSQL body: the parser could not decide ({st.undecided}); this is "
                        "not a syntax error, review the statement by hand")
            elif st.kind in ("DoStmt", "CreateFunctionStmt") and st.block == "up":
                report_at_statement(self, ctx, st, f"the body of this {'DO block' if st.kind == 'DoStmt' else 'function'} "
                        "is not analysed by the safety rules; review it by hand")
