"""``stingerloom config``: the resolved settings, each with its origin; passwords never shown."""

from __future__ import annotations

from typing import Any

from ..placeholders import SECRET_NAME as _SECRET


def _entry(setting: Any, value: Any = None) -> dict:
    return {"value": setting.value if value is None else value, "origin": setting.origin}


def resolved(settings: Any, manifest_arg: str | None) -> dict:
    """The settings as plain data: ``{"config", "environment", "environments", "settings", "placeholders", "lint"}``."""
    from ..errors import InputError
    from ..urls import redact_url

    project = settings.project
    out: dict[str, Any] = {
        "config": project.display if project is not None else None,
        "environment": {"value": settings.env_name, "origin": settings.env_origin or "none"},
        "environments": sorted(project.model.environments) if project is not None else [],
    }
    values: dict[str, Any] = {}
    manifest = None
    try:
        m = settings.manifest(manifest_arg)
        values["manifest"] = _entry(m)
        from ..manifest import load_manifest

        manifest = load_manifest(m.value)
    except InputError as exc:
        if "manifest" not in values:
            values["manifest"] = {"value": None, "origin": "none", "note": exc.message}
        else:
            values["manifest"]["note"] = f"cannot be loaded: {exc.message}"
    try:
        db = settings.database(manifest)
        values["database"] = _entry(db, redact_url(db.value))
    except InputError as exc:  # e.g. ${PROD_DATABASE_URL} is not set
        db = settings.database(manifest, expand=False)
        values["database"] = dict(_entry(db, redact_url(db.value)), note=exc.message)
    try:
        values["history_table"] = _entry(settings.history_table(manifest))
    except InputError as exc:
        values["history_table"] = {"value": None, "origin": "error", "note": exc.message}
    values["lock_timeout"] = _entry(settings.lock_timeout())
    values["out_of_order"] = _entry(settings.out_of_order())
    values["id_format"] = _entry(settings.id_format())
    out["settings"] = values
    ph = settings.placeholders()
    shown: dict[str, Any] = {}
    for name, (raw, where) in sorted(ph.config.items()):
        shown[name] = {"value": "***" if _SECRET.search(name) else raw, "origin": where}
    for name, value in sorted(ph.sets.items()):
        shown[name] = {"value": "***" if _SECRET.search(name) else value, "origin": "--set"}
    out["placeholders"] = shown
    lint = settings.lint()
    from ..config import lint_table

    out["lint"] = lint_table(lint) if lint is not None else {}
    return out


def render_config(out: Any, data: dict) -> None:
    out.line(f"configuration: {data['config'] or '(none found; defaults apply)'}")
    env = data["environment"]
    envs = ", ".join(data["environments"]) or "none defined"
    out.line(f"environment:   {env['value'] or '(none)'}  [{env['origin']}]  (defined: {envs})")
    rows = [(k, v) for k, v in data["settings"].items()]
    rows += [(f"${{{k}}}", v) for k, v in data["placeholders"].items()]
    width = max(len(k) for k, _ in rows)
    for key, v in rows:
        value = "" if v["value"] is None else str(v["value"])
        line = f"  {key:<{width}}  {value}  [{v['origin']}]"
        if v.get("note"):
            line += f"  ({v['note']})"
        out.line(line)
    if data["lint"]:
        out.line("lint: " + ", ".join(f"{k} = {v}" for k, v in data["lint"].items()))
