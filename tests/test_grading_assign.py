"""`bpcourse assign`: solution regions become stubs, outputs go, raising cells are tagged; exercises/ is current."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from bpcourse.cli import main
from bpcourse.grading import get_assignment
from bpcourse.grading.notebook import (
    RAISES_TAG,
    answer_cell,
    assign_notebook,
    check_cell,
    exercise_text,
    question_of,
    strip_solutions,
)

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def test_strip_keeps_indentation_and_says_whether_the_cell_raises():
    src = "def f(t):\n    '''doc'''\n    # BEGIN SOLUTION\n    return t\n    # END SOLUTION\n\nx = 1"
    out, raises = strip_solutions(src)
    assert out == "def f(t):\n    '''doc'''\n    raise NotImplementedError\n\nx = 1"
    assert not raises
    out, raises = strip_solutions("a = 1\n# BEGIN SOLUTION\nb = 2\n# END SOLUTION")
    assert out == "a = 1\nraise NotImplementedError" and raises


@pytest.mark.parametrize("src, msg", [
    ("# BEGIN SOLUTION\nx", "never closed"),
    ("# END SOLUTION", "without a # BEGIN SOLUTION"),
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside another"),
])
def test_unbalanced_markers_are_refused(src, msg):
    with pytest.raises(ValueError, match=msg):
        strip_solutions(src, "nb, cell 3")


def _solution():
    given = nbformat.v4.new_code_cell("y = f(2)")
    given.metadata["tags"] = ["exercise-raises"]
    ans = answer_cell("def f(t):\n    # BEGIN SOLUTION\n    return 2 * t\n    # END SOLUTION", "99-f")
    ans.outputs = [nbformat.v4.new_output("stream", text="old output")]
    ans.execution_count = 3
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), ans, check_cell("99-f", "f"), given])


def test_assign_notebook():
    sol = _solution()
    ex = assign_notebook(sol, "99_t")
    assert "return 2 * t" in sol.cells[1].source  # the input is left alone
    ans, chk, given = ex.cells[1:]
    assert "return 2 * t" not in ans.source and "raise NotImplementedError" in ans.source
    assert ans.outputs == [] and ans.execution_count is None
    assert question_of(ans) == "99-f" and ans.metadata["tags"] == ["answer"]
    assert RAISES_TAG not in ans.metadata["tags"]  # defining the stub does not raise
    assert chk.source == 'check("99-f", f)' and "tags" not in chk.metadata
    assert given.metadata["tags"] == [RAISES_TAG]
    assert ex.metadata["bpcourse"] == {"assignment": "99_t"}


def test_duplicate_answer_cells_are_refused():
    sol = _solution()
    sol.cells.append(answer_cell("def g(): pass", "99-f"))
    with pytest.raises(ValueError, match="two answer cells"):
        assign_notebook(sol, "99_t")


def test_cli_assign(tmp_path, capsys):
    src = tmp_path / "solutions"
    src.mkdir()
    nbformat.write(_solution(), src / "99_t.ipynb")
    assert main(["assign", str(src), str(tmp_path / "exercises")]) == 0
    ex = nbformat.read(tmp_path / "exercises" / "99_t.ipynb", as_version=4)
    assert "raise NotImplementedError" in ex.cells[1].source
    assert "99_t.ipynb" in capsys.readouterr().out


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_exercises_are_what_assign_writes(solution):
    exercise = ROOT / "exercises" / solution.name
    assert exercise.exists(), f"{exercise} is missing: run `make assign`"
    assert exercise.read_text(encoding="utf-8") == exercise_text(solution), \
        f"{exercise} differs from what `bpcourse assign` writes: run `make assign`"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_solution_answer_cells_match_the_declared_questions(solution):
    nb = nbformat.read(solution, as_version=4)
    declared = {q.id for q in get_assignment(solution.stem).questions}
    cells = [question_of(c) for c in nb.cells if question_of(c)]
    assert sorted(cells) == sorted(declared)
    for c in nb.cells:
        if question_of(c):
            assert "answer" in c.metadata.get("tags", [])
            assert "# BEGIN SOLUTION" in c.source
