"""Readers that turn logs of other WebGen-Agent implementations into run directories."""

from __future__ import annotations

from agent_core.importers.webgen_agent import ImportReport, import_webgen_agent_log

__all__ = ["ImportReport", "import_webgen_agent_log"]
