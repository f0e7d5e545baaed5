"""SL617 require-not-valid-domain-constraint: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule


class SL617(Rule):
    """A domain with a `CHECK` constraint.

    ## What it does
    Finds `CREATE DOMAIN … CHECK` and `ALTER DOMAIN … ADD CONSTRAINT` (not `NOT VALID`, which checks new
    values only).

    ## Why is this bad?
    Adding or changing the domain's check revalidates every column of every table that uses the
    domain, under locks, and cannot be done `NOT VALID` per column.

    ## Example
    ```sql
    CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;
    ```
    """

    code, name, severity, dialects = "SL617", "require-not-valid-domain-constraint", "warning", ("postgres",)
    aliases = ("domain-constraint",)  # its earlier name: --explain still takes it
    kinds = frozenset({"CreateDomainStmt", "AlterDomainStmt"})
    help = "put the CHECK on the columns instead"

    def check_stmt(self, stmt, ctx) -> None:
        n = stmt.node
        if stmt.kind == "CreateDomainStmt":
            if any(c.get("Constraint", {}).get("contype") == "CONSTR_CHECK" for c in n.get("constraints", ()) or ()):
                ctx.report(self, stmt, "a CHECK on a domain is revalidated on every column that uses the domain")
        elif n.get("subtype") == "C" and not (n.get("def") or {}).get("Constraint", {}).get("skip_validation"):
            ctx.report(self, stmt, "ALTER DOMAIN … ADD CONSTRAINT validates every column that uses the domain")
