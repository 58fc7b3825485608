"""``webgen export-site`` as a user runs it on real run folders; what it writes is read back."""

from __future__ import annotations

import subprocess
import zipfile

import pytest

from app.cli import main
from tests.agent_core.export.test_site import backtracked_run
from tests.support.runs import StepSpec, build_run


def test_a_zip_of_the_best_step_and_of_a_chosen_one(tmp_path, capsys):
    store = backtracked_run(tmp_path / "bakery")
    best_zip, chosen_zip = tmp_path / "best.zip", tmp_path / "two.zip"

    assert main(["export-site", str(store.run_dir), "--zip", str(best_zip)]) == 0
    assert capsys.readouterr().out.strip() == (
        f"Exported the sources of step 5 to {best_zip} (3 files).")
    assert main(["export-site", str(store.run_dir), "--step", "2", "--zip", str(chosen_zip)]) == 0
    with zipfile.ZipFile(chosen_zip) as archive:
        assert "bread 2" in archive.read("bakery-step-2/src/App.jsx").decode()


def test_a_git_repository_of_the_run(tmp_path, capsys):
    store = backtracked_run(tmp_path / "bakery")
    repo = tmp_path / "repo"

    assert main(["export-site", str(store.run_dir), "--step", "4", "--git", str(repo)]) == 0

    assert "ending at step 4" in capsys.readouterr().out
    log = subprocess.run(["git", "-C", str(repo), "log", "--all", "--format=%s"], check=True,
                         capture_output=True, text=True).stdout.splitlines()
    assert len(log) == 6 and log[0] == "Step 6 (edit): Add an opening-hours page"
    branches = subprocess.run(["git", "-C", str(repo), "branch", "--format=%(refname:short)"],
                              check=True, capture_output=True, text=True).stdout.split()
    assert branches == ["main", "step-3", "step-6"]


@pytest.mark.parametrize(("args", "said"), [
    (["--step", "9", "--zip", "{tmp}/a.zip"], "has no step 9 (its steps: 1)"),
    (["--git", "{tmp}/taken"], "taken is not empty; name a new or empty folder"),
    (["--build", "{tmp}/taken/notes.txt"], "notes.txt is a file; name a new or empty folder"),
])
def test_bad_input_exits_2_with_the_reason_and_writes_nothing(tmp_path, capsys, args, said):
    store = build_run(tmp_path / "bakery", [StepSpec()])
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("keep me")
    before = sorted(p.name for p in tmp_path.iterdir())

    code = main(["export-site", str(store.run_dir), *(a.format(tmp=tmp_path) for a in args)])

    assert code == 2
    assert said in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "taken" / "notes.txt").read_text() == "keep me"


def test_a_folder_that_is_not_a_run_and_a_missing_kind_are_refused(tmp_path, capsys):
    assert main(["export-site", str(tmp_path), "--zip", str(tmp_path / "a.zip")]) == 2
    assert "is not a WebGen run" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["export-site", str(tmp_path)])
    assert usage.value.code == 2
    assert "one of the arguments --zip --build --git is required" in capsys.readouterr().err
