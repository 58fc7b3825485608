"""What reading a project and a folder of runs costs: a step's snapshot and the runs list.

- snapshot: ``Workspace.snapshot()`` of a project of 300 source files (50 lines each) beside
  3,000 files under ``node_modules``, which it must not read; every step takes one.
- scan: ``scan_runs()`` of a folder of 200 runs of 4 steps each (records and manifests only,
  as the runs browser and ``webgen list`` read them).

    .venv/bin/python -m benchmarks.store_scans [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from agent_core.store.records import StepKind
from agent_core.store.run_index import scan_runs
from agent_core.workspace import Workspace
from tests.support.runs import StepSpec, build_run

SOURCE_FILES, DEPENDENCY_FILES, RUNS = 300, 3_000, 200


def put(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def project(root: Path) -> Workspace:
    """The project: source files in 15 folders, dependencies in 100 packages."""
    for i in range(SOURCE_FILES):
        put(root, f"src/dir{i % 15}/file{i}.jsx", "export const x = 1;\n" * 50)
    for i in range(DEPENDENCY_FILES):
        put(root, f"node_modules/pkg{i % 100}/lib/f{i}.js", "module.exports = 1;")
    return Workspace(root)


def runs_folder(root: Path) -> Path:
    """``RUNS`` copies of one finished 4-step run (without blobs or screenshots)."""
    specs = [StepSpec(appearance=4), StepSpec(appearance=2, errors=["appearance grade 2"]),
             StepSpec(appearance=3), StepSpec(kind=StepKind.GUI_TEST, appearance=3, gui=4)]
    template = build_run(root / "template", specs)
    folder = root / "runs"
    folder.mkdir()
    for n in range(RUNS):
        shutil.copytree(template.run_dir, folder / f"run-{n:03d}",
                        ignore=shutil.ignore_patterns("objects", "screenshots", "workspace"))
    return folder


def median_seconds(work: Callable[[], int], expected: int, repeat: int) -> float:
    """Median wall time of ``work()``, which must return ``expected`` each time."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        found = work()
        samples.append(time.perf_counter() - started)
        assert found == expected, (found, expected)
    return statistics.median(samples)


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="webgen-scan-bench-") as tmp:
        workspace = project(Path(tmp) / "project")
        folder = runs_folder(Path(tmp))
        results = {
            "snapshot_s": median_seconds(lambda: len(workspace.snapshot()), SOURCE_FILES,
                                         args.repeat),
            "scan_200_runs_s": median_seconds(lambda: len(scan_runs(folder)), RUNS, args.repeat),
        }
    print(f"snapshot, {SOURCE_FILES} files beside {DEPENDENCY_FILES} in node_modules: "
          f"{results['snapshot_s'] * 1000:.1f} ms")
    print(f"scan of {RUNS} runs of 4 steps: {results['scan_200_runs_s'] * 1000:.0f} ms")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
