"""A stored run whose second step was taken as four candidates, as ``--candidates 4`` leaves it.

Step 1 is the parent; steps 2-5 are its candidates: a build that breaks and a blank page (both
kept from the critic by the render gate), then two good pages graded 3 and 5. The last one is
chosen: committed last, it is the head.
"""

from __future__ import annotations

from pathlib import Path

from agent_core.store.evidence import RuntimeResult
from agent_core.store.run_store import RunStore
from tests.support.runs import StepSpec, build_run, default_files

BROKEN = "export default function App() { return <h1>Broken</h1>\n"
BLANK = "export default function App() { return null; }\n"
PLAIN = "export default function App() { return <h1>Stock reports, plain</h1>; }\n"
SEARCH = "export default function App() { return <h1>Stock reports, with a search</h1>; }\n"
BLANK_GATE = "the page is blank: no visible text or picture"
BROKEN_GATE = ("the page threw an uncaught error on load: SyntaxError: Unexpected token, "
               "expected \"}\" (1:48)")


def _candidate(number: int, app: str, grade: int | None, gate: str | None) -> StepSpec:
    mark = {"group": 2, "number": number, "of": 4, "chosen": number == 4}
    files = {**default_files(1), "src/App.jsx": app}
    errors = [f"render gate: {gate}"] if gate else []
    return StepSpec(appearance=grade, errors=errors, files=files, parent=1,
                    extra={"runtime": RuntimeResult(gate=gate, candidate=mark)})


def candidates_run(run_dir: Path) -> RunStore:
    """Write the run (see the module's docstring) and open it as the app does."""
    specs = [StepSpec(appearance=3),
             _candidate(1, BROKEN, None, BROKEN_GATE), _candidate(2, BLANK, None, BLANK_GATE),
             _candidate(3, PLAIN, 3, None), _candidate(4, SEARCH, 5, None)]
    return build_run(run_dir, specs, best=5)
