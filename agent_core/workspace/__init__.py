"""The run's project folder (guarded writes, snapshots) and the shell-command policy."""

from agent_core.workspace.commands import CommandPolicy, PlannedCommand
from agent_core.workspace.guard import Workspace

__all__ = ["CommandPolicy", "PlannedCommand", "Workspace"]
