"""``schema dump``: the declarative schema of a live database, as data and as YAML (SPEC §1 layout)."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from ..manifest.yamlwrite import scalar


def schema_data(target: Any, *, schemas: Optional[Sequence[str]] = None, history_table: str = "__migrations") -> dict:
    """The declarative schema of the live database ``target`` (URL, connection or dialect) as a dict,
    ``{"tables": {...}}``, the history table left out."""
    return read_schema(target, schemas=schemas, history_table=history_table)[0]


def read_schema(target: Any, *, schemas: Optional[Sequence[str]] = None,
                history_table: str = "__migrations") -> tuple[dict, list[str]]:
    """:func:`schema_data`, and the objects of the database the schema file leaves out (views,
    triggers, partial and expression indexes, generated columns...), one phrase each."""
    from .introspect import introspect
    from .model import to_file_dict

    live = introspect(target, schemas=schemas, history_table=history_table)
    return to_file_dict(live), list(live.skipped)


def skipped_comment(skipped: Sequence[str]) -> str:
    """The header lines of a dumped file naming what it leaves out ("" when nothing)."""
    if not skipped:
        return ""
    import json

    lines = [s if s.isprintable() else json.dumps(s, ensure_ascii=False) for s in skipped]
    return ("# Left out of this file (the schema file does not model them; generate does not manage them):\n"
            + "".join(f"#   - {line}\n" for line in lines))


def dump_schema(target: Any, *, schemas: Optional[Sequence[str]] = None, history_table: str = "__migrations") -> str:
    """The declarative schema YAML of the live database ``target`` (URL, connection or dialect)."""
    return schema_yaml(schema_data(target, schemas=schemas, history_table=history_table))


def schema_yaml(data: dict) -> str:
    """A schema file as YAML, laid out like SPEC §1 (one flow mapping per column)."""
    out = ["tables:" + (" {}" if not data["tables"] else "")]
    for tname, table in data["tables"].items():
        out.append(f"  {scalar(tname)}:")
        out.append("    columns:")
        out += [f"      {scalar(cname)}: {scalar(spec)}" for cname, spec in table["columns"].items()]
        if "primary_key" in table:
            out.append(f"    primary_key: {scalar(table['primary_key'])}")
        if table.get("indexes"):
            out.append("    indexes:")
            out += [f"      {scalar(iname)}: {scalar(ix)}" for iname, ix in table["indexes"].items()]
        if table.get("foreign_keys"):
            out.append("    foreign_keys:")
            out += [f"      - {scalar(fk)}" for fk in table["foreign_keys"]]
        if table.get("checks"):
            out.append("    checks:")
            out += [f"      {scalar(cname)}: {scalar(expr)}" for cname, expr in table["checks"].items()]
    return "\n".join(out) + "\n"
