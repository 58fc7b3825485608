"""A run's summary, as the ``--json`` object and as text for people."""

from __future__ import annotations

from typing import Any

from agent_core.state.from_store import load_state, state_summary
from agent_core.store.run_store import RunStore
from agent_core.store.selection import sibling_groups


def run_summary(store: RunStore) -> dict[str, Any]:
    """The documented ``--json`` object of ``webgen run`` and ``webgen show``."""
    manifest = store.manifest
    state = load_state(store, running_elsewhere=store.is_being_run())
    siblings = sibling_groups(store.steps())
    return {
        "run_dir": str(store.run_dir),
        "workspace": str(store.workspace),
        "status": str(manifest.status),
        "end_reason": manifest.end_reason,
        "instruction": manifest.instruction,
        "images": list(manifest.images),
        "best_step": manifest.best_step,
        "head": store.head,
        "steps": [
            {
                "index": s.index,
                "kind": str(s.kind),
                "parent": s.parent,
                "appearance_grade": s.appearance_grade,
                "gui_grade": s.gui_grade,
                "has_error": s.has_error,
                "files_changed": list(s.files_changed),
                "seconds": round(s.seconds, 3),
                "errors": list(s.errors),
                "context_trimmed": s.context_trimmed,
                "backtracked_from": s.backtracked_from,
                "usage": _step_usage(s.usage),
                "reply_format": s.runtime.reply_format or "text",
                "reply_cut": s.runtime.reply_cut,
                "images": list(s.images),
                "reference_match": s.reference.match_grade if s.reference else None,
                "reference_note": s.reference.match_note if s.reference else "",
                "siblings": siblings.get(s.index, []),
                "gate": s.runtime.gate,
            }
            for s in store.steps()
        ],
        "state": state_summary(state),
        "damaged": list(store.damaged),
    }


def _step_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """Per role: prompt and completion tokens, whether estimated; the coder's tokens/s."""
    roles: dict[str, Any] = {}
    for role, data in usage.items():
        if not isinstance(data, dict):
            continue
        roles[role] = {key: data.get(key, default) for key, default in (
            ("prompt_tokens", 0), ("completion_tokens", 0), ("estimated", False))}
        if role == "coder":
            roles[role]["tokens_per_second"] = data.get("tokens_per_second", 0.0)
    return roles


def _grade(value: int | None) -> str:
    return "-" if value is None else str(value)


def summary_text(summary: dict[str, Any]) -> str:
    """A small table of the steps, for a terminal."""
    lines = [
        f"run:       {summary['run_dir']}",
        f"workspace: {summary['workspace']}",
        f"status:    {summary['status']}"
        + (f" ({summary['end_reason']})" if summary["end_reason"] else ""),
        f"best step: {_grade(summary['best_step'])}",
        "",
        " step  kind       parent  look  gui  error  files  seconds",
    ]
    for s in summary["steps"]:
        marker = "*" if s["index"] == summary["best_step"] else " "
        lines.append(
            f"{marker}{s['index']:>4}  {s['kind']:<9}  {_grade(s['parent']):>6}  "
            f"{_grade(s['appearance_grade']):>4}  {_grade(s['gui_grade']):>3}  "
            f"{'yes' if s['has_error'] else 'no':>5}  {len(s['files_changed']):>5}  "
            f"{s['seconds']:>7.1f}"
        )
    damaged = summary.get("damaged") or []
    if damaged:
        lines += ["", f"damaged ({len(damaged)}; `webgen doctor {summary['run_dir']}` checks "
                      "everything):"]
        lines += [f"  {what}" for what in damaged]
    notices = summary.get("state", {}).get("notices", [])
    if notices:
        lines += ["", "notices:"]
        lines += [f"  [{n['level']}] {n['text']}" for n in notices]
    return "\n".join(lines)
