"""Splitting a block of SQL into statements, with the offset of each (INTERFACE; being implemented).

``split_statements(sql, dialect)`` returns one :class:`Statement` per statement, in order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    sql: str  # the statement text, from its first token to its end, without the terminating ';'
    offset: int  # 0-based character offset of ``sql`` in the block
    comments: tuple[str, ...] = ()  # comments standing before the statement (for lint ignores)


class SplitError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def split_statements(sql: str, dialect: str) -> list[Statement]:  # placeholder until implemented
    out = []
    pos = 0
    for part in sql.split(";"):
        stripped = part.strip()
        if stripped:
            out.append(Statement(stripped, pos + part.index(stripped)))
        pos += len(part) + 1
    return out


def is_blank(sql: str, dialect: str = "postgres") -> bool:
    return not split_statements(sql, dialect)
