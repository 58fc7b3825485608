"""The tasks that run on the cluster: one batch job, one bench task, one re-judgement.

Each entry point is a plain function Ray calls in a worker process: it runs its own event
loop, first reaps process groups that a killed worker left on this node, builds the model
clients here (their keys come from the task's environment), and runs the same engine code
as the in-process commands, inside a ``WorkerLink`` that brings the files home.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from agent_core.agent.services import AgentModels
from agent_core.bench.dataset import BenchTask
from agent_core.bench.evaluate import SiteJudge
from agent_core.bench.results import AppearanceResult, CaseResult
from agent_core.bench.task_bench import TaskBench
from agent_core.browser.session import BrowserSession
from agent_core.distributed.link import WorkerLink
from agent_core.distributed.tickets import BatchPayload, BenchPayload, RejudgePayload, Ticket
from agent_core.events import Event, StepFinished
from agent_core.experiments.batch_job import BatchEvent, run_job
from agent_core.experiments.batch_report import BatchRun
from agent_core.experiments.rejudge import RejudgeReport, rejudge_run
from agent_core.llm.base import ChatModel
from agent_core.llm.factory import make_chat_model
from agent_core.runtime.processes import reap_orphans_async


def batch_task(ticket: Ticket, payload: BatchPayload) -> BatchRun:
    """Run one batch job; its run directory in the result is the one at home."""
    return asyncio.run(_batch(ticket, payload))


def bench_task(ticket: Ticket, payload: BenchPayload) -> int:
    """Generate (unless evaluating only) and judge one bench task; returns cases judged."""
    return asyncio.run(_bench(ticket, payload))


def rejudge_task(ticket: Ticket, payload: RejudgePayload) -> RejudgeReport:
    """Grade one stored run again; the report's paths are the ones at home."""
    return asyncio.run(_rejudge(ticket, payload))


async def _batch(ticket: Ticket, payload: BatchPayload) -> BatchRun:
    await reap_orphans_async()
    async with WorkerLink(ticket) as link:
        models = await asyncio.to_thread(AgentModels.from_settings, payload.settings)
        try:
            run = await run_job(payload.job, link.root / payload.run_rel, models,
                                payload.config, _batch_notes(link))  # fmt: skip
        finally:
            await models.close()
    return replace(run, run_dir=link.home_path(payload.run_rel))


def _batch_notes(link: WorkerLink) -> Any:
    def on_event(update: BatchEvent) -> None:
        if update.note:
            link.note(update.note)
        elif isinstance(update.event, StepFinished):
            link.note(_step_line(update.event))

    return on_event


def _step_line(event: Event) -> str:
    assert isinstance(event, StepFinished)
    grade = "-" if event.appearance_grade is None else f"{event.appearance_grade}/5"
    flag = ", error" if event.has_error else ""
    return f"step {event.index} {event.step_kind}, appearance {grade}{flag}"


class _RemoteSink:
    """The bench's results of one task: known from home and earlier attempts, sent home."""

    def __init__(self, payload: BenchPayload, link: WorkerLink) -> None:
        self._link = link
        self._graded = payload.graded
        self._done: set[int] = {c.index for c in payload.task.cases} - set(payload.missing)
        self.judged = 0
        for record in link.records:
            if record.get("kind") == "appearance":
                self._graded = True
            elif record.get("kind") == "case":
                self._done.add(int(record["case_index"]))

    def graded(self, task_id: str) -> bool:
        return self._graded

    def missing_cases(self, task: BenchTask) -> list[int]:
        return [c.index for c in task.cases if c.index not in self._done]

    async def add_case(self, result: CaseResult) -> None:
        await self._link.send(records=(result.to_record(),))
        self._done.add(result.case_index)
        self.judged += 1

    async def add_appearance(self, result: AppearanceResult) -> None:
        await self._link.send(records=(result.to_record(),))
        self._graded = True


async def _bench(ticket: Ticket, payload: BenchPayload) -> int:
    await reap_orphans_async()
    async with WorkerLink(ticket) as link:
        sink = _RemoteSink(payload, link)
        judge_model = make_chat_model(payload.judge_role, "critic")
        models = (None if payload.settings is None
                  else await asyncio.to_thread(AgentModels.from_settings, payload.settings))
        browser: list[BrowserSession] = []
        try:
            judge = _judge_provider(payload, link.root, judge_model, browser)
            bench = TaskBench(link.root, payload.run_config, sink, judge, models, link.note)
            await bench.run(payload.task)
        finally:
            for session in browser:
                with contextlib.suppress(Exception):
                    await session.close()
            await judge_model.close()
            if models is not None:
                await models.close()
    return sink.judged


def _judge_provider(payload: BenchPayload, root: Path, model: ChatModel,
                    started: list[BrowserSession]) -> Any:  # fmt: skip
    """The task's own judge, on a browser of its own started on first use."""
    made: list[SiteJudge] = []

    async def judge() -> SiteJudge:
        if not made:
            config = payload.run_config
            browser = BrowserSession(config.chromium_path, config.viewport)
            await browser.start()
            started.append(browser)
            made.append(SiteJudge(
                model, browser, root, settings=payload.judge, viewport=config.viewport,
                max_turns=payload.max_turns, timeouts=config.timeouts,
                agent_options=payload.agent_options,
            ))  # fmt: skip
        return made[0]

    return judge


async def _rejudge(ticket: Ticket, payload: RejudgePayload) -> RejudgeReport:
    async with WorkerLink(ticket) as link:
        critic = make_chat_model(payload.critic, "critic") if payload.critic else None
        feedback = make_chat_model(payload.feedback, "feedback") if payload.feedback else None
        try:
            report = await rejudge_run(
                link.root / payload.run_rel, critic=critic, feedback=feedback,
                label=payload.label, concurrency=payload.concurrency,
            )  # fmt: skip
        finally:
            for model in {id(m): m for m in (critic, feedback) if m is not None}.values():
                await model.close()
    home = link.home_path(payload.run_rel)
    return replace(report, run_dir=home, path=home / report.path.relative_to(report.run_dir))


__all__ = ["batch_task", "bench_task", "rejudge_task"]
