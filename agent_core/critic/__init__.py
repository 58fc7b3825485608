"""The screenshot critic: a vision model checks the page for errors and grades its looks."""

from __future__ import annotations

from agent_core.critic.jsonparse import extract_json
from agent_core.critic.screenshot_critic import CriticReport, ScreenshotCritic

__all__ = ["CriticReport", "ScreenshotCritic", "extract_json"]
