"""SL316 ban-client-only-syntax: the rule's documentation is its class docstring."""

from __future__ import annotations

from ..api import Rule
from ..facts import (
    client_command,
)


class SL316(Rule):
    """Client-only syntax: psql meta-commands, MySQL `DELIMITER`.

    ## What it does
    Finds lines such as `\\set`, `\\connect`, `DELIMITER //` and sqlite3 dot-commands (reported by the
    statement splitter).

    ## Why is this bad?
    They are commands of the interactive clients, not SQL: the driver sends them to the server, which
    rejects them. stingerloom splits `BEGIN … END` bodies itself, so `DELIMITER` is never needed.

    ## Example
    ```sql
    DELIMITER //
    CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW BEGIN SET NEW.name = TRIM(NEW.name); END //
    DELIMITER ;
    ```

    ## Use instead
    ```sql
    CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW BEGIN SET NEW.name = TRIM(NEW.name); END;
    ```
    """

    code, name, severity = "SL316", "ban-client-only-syntax", "error"
    aliases = ("client-only-syntax",)  # its earlier name: --explain still takes it
    help = "remove the client command; write plain SQL"

    def check_migration(self, ctx) -> None:
        for _block, source, exc in ctx.split_errors:  # the splitter stops at a client command
            if client_command(exc):
                ctx.report_at(self, exc.message, source, exc.offset)
