"""The teacher's round trip through nbgrader, with small parameters: the solved source gets full
marks, the release handed out unanswered gets zero on every autograded cell, and the release holds
no solution text."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

pytestmark = pytest.mark.course

# make test: two assignments, one with a function to write and one with answers to compute;
# make test-all: every notebook with exercises.
TWO = ("03_convolution_arithmetic", "06_how_a_network_learns")


@pytest.fixture(scope="module", params=[pytest.param(TWO, id="two"),
                                        pytest.param(None, id="every", marks=pytest.mark.slow)])
def course(request, tmp_path_factory):
    import make_course

    root = tmp_path_factory.mktemp("course")
    assert make_course.main(str(ROOT / "notebooks"), str(root), str(ROOT / "tests/notebook_parameters.json"),
                            timeout=600, only=request.param) == 0
    for student, version in (("solved", "source"), ("blank", "release")):
        for folder in (root / version).iterdir():
            shutil.copytree(folder, root / "submitted" / student / folder.name)
    environment = make_course.environment() | {"CNNLAB_DATA": os.environ.get("CNNLAB_DATA", str(ROOT / "data")),
                                               "MPLBACKEND": "Agg"}
    for assignment in sorted(p.name for p in (root / "source").iterdir()):
        done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment],
                              cwd=root, env=environment, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    return root, request.param


def _scores(root):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "cnnlab") as book:
        return {(a.name, s.id): (book.find_submission(a.name, s.id).score, book.find_submission(a.name, s.id).max_score)
                for a in book.assignments for s in book.students}


def test_the_solved_course_gets_full_marks_and_the_blank_release_zero(course):
    from cnnlab.exercises import EXERCISES

    course, only = course
    scores = _scores(course)
    assignments = sorted({a for a, _ in scores})
    chosen = [e for e in EXERCISES.values() if any(a.startswith(e.id[:2]) for a in assignments)]
    if only is None:
        assert len(assignments) == len({exercise_id[:2] for exercise_id in EXERCISES})   # one per notebook with exercises
    else:
        assert assignments == list(TWO)
    failed = {a: scores[a, "solved"] for a in assignments if scores[a, "solved"][0] != scores[a, "solved"][1]}
    assert not failed, f"solved source below full marks: {failed}"
    assert all(scores[a, "blank"][0] == 0 for a in assignments), scores
    total = sum(scores[a, "solved"][1] for a in assignments)
    assert total == sum(ex.points for ex in chosen)


def test_the_release_holds_no_solution(course):
    from cnnlab.exercises import EXERCISES
    from cnnlab.exercises.core import BEGIN, END

    course, _ = course
    released = "\n".join("".join(cell["source"]) for path in (course / "release").rglob("*.ipynb")
                         for cell in json.loads(path.read_text())["cells"])
    assert "BEGIN SOLUTION" not in released and "HIDDEN TESTS" not in released and "seed=7" not in released
    shown = "\n".join((ROOT / "notebooks").joinpath(p).read_text() for p in os.listdir(ROOT / "notebooks")
                      if p.endswith(".ipynb"))          # worked examples a student reads anyway
    for ex in EXERCISES.values():
        inside = ex.solution.split(BEGIN, 1)[1].split(END, 1)[0]
        for line in (line.strip() for line in inside.splitlines()):
            if len(line) > 12 and not line.startswith("#"):
                assert line not in released or json.dumps(line)[1:-1] in shown, (ex.id, line)
