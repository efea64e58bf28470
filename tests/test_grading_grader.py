"""`bpcourse grade`: solutions score full marks, exercises zero, malformed submissions get a reason."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from bpcourse.cli import main
from bpcourse.grading import get_assignment
from bpcourse.grading.grader import grade
from bpcourse.grading.notebook import question_of

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
SOL03 = ROOT / "solutions" / "03_activations.ipynb"
EX03 = ROOT / "exercises" / "03_activations.ipynb"
FAST = {"jobs": 2, "timeout": 20, "memory_mb": 1024, "progress": False}


def answers_of(path) -> dict:
    return {question_of(c): c.source for c in nbformat.read(path, as_version=4).cells if question_of(c)}


def submission(tmp_path, name, answers=None, exercise=EX03, edit=None) -> Path:
    """The exercise with some answer cells replaced (by question id); edit(nb) may change it further."""
    nb = nbformat.read(exercise, as_version=4)
    for cell in nb.cells:
        if question_of(cell) in (answers or {}):
            cell.source = answers[question_of(cell)]
    if edit is not None:
        edit(nb)
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.name)
def test_solution_full_marks_and_exercise_zero(solution, tmp_path):
    a = get_assignment(solution.stem)
    exercise = ROOT / "exercises" / solution.name
    solved = submission(tmp_path, "solved", answers_of(solution), exercise=exercise)
    rep = grade(solution, [solved, exercise], out=tmp_path / "g.csv", **FAST)
    full, zero = rep["submissions"]
    assert full["total"] == a.max_points, json.dumps(full, indent=1)
    assert zero["total"] == 0, json.dumps(zero, indent=1)
    assert all("not implemented yet" in r["feedback"] for r in zero["questions"].values())


def _other_assignment(nb):
    nb.metadata["bpcourse"] = {"assignment": "05_conv"}


def _delete_relu_answer(nb):
    nb.cells = [c for c in nb.cells if question_of(c) != "03-relu-grad"]


def _edit_given_cells(nb):
    """Breaking given cells does not matter: they are replaced by the pristine ones."""
    for c in nb.cells:
        if c.cell_type == "code" and not question_of(c):
            c.source = "import sys\nsys.exit(3)\nraise RuntimeError('given cell edited')"


def test_malformed_submissions_get_reasons_and_the_batch_goes_on(tmp_path):
    good = answers_of(SOL03)
    subs = [
        submission(tmp_path, "a_full", good),
        tmp_path / "b_not_json.ipynb",
        tmp_path / "c_binary.ipynb",
        tmp_path / "d_list.ipynb",
        submission(tmp_path, "e_other_assignment", good, edit=_other_assignment),
        submission(tmp_path, "f_missing_cell", good, edit=_delete_relu_answer),
        submission(tmp_path, "g_wrong_signature", {**good, "03-relu-grad": "def relu_grad(x, y):\n    return x"}),
        submission(tmp_path, "h_crash_on_import", {**good, "03-relu-grad": "import no_such_module\n"
                                                   "def relu_grad(t):\n    return (t > 0) * 1.0"}),
        submission(tmp_path, "i_syntax_error", {**good, "03-elu-grad": "def elu_grad(t, alpha=1.0)\n    return t"}),
        submission(tmp_path, "j_given_cells_edited", good, edit=_edit_given_cells),
        tmp_path / "k_does_not_exist.ipynb",
        submission(tmp_path, "l_no_answers", edit=lambda nb: [c.metadata.pop("bpcourse", None) for c in nb.cells]),
    ]
    subs[1].write_text("this is not JSON")
    subs[2].write_bytes(b"\x80\x81\x00\xff" * 100)
    subs[3].write_text("[1, 2, 3]")
    out = tmp_path / "out" / "grades.csv"
    rep = grade(SOL03, subs, out=out, **FAST)
    by = {Path(s["submission"]).stem: s for s in rep["submissions"]}
    assert [Path(s["submission"]).stem for s in rep["submissions"]] == [p.stem for p in subs]  # input order

    assert by["a_full"]["total"] == 8
    assert "not valid JSON" in by["b_not_json"]["note"]
    assert "not UTF-8" in by["c_binary"]["note"]
    assert "no list of cells" in by["d_list"]["note"]
    assert "assignment 05_conv, not 03_activations" in by["e_other_assignment"]["note"]
    f = by["f_missing_cell"]
    assert f["total"] == 7 and "no answer cell for 03-relu-grad" in f["questions"]["03-relu-grad"]["feedback"]
    g = by["g_wrong_signature"]["questions"]["03-relu-grad"]
    assert g["points"] == 0 and "wrong signature relu_grad(x, y)" in g["feedback"]
    h = by["h_crash_on_import"]
    assert h["total"] == 7
    assert "relu_grad is not defined" in h["questions"]["03-relu-grad"]["feedback"]
    assert "ModuleNotFoundError" in h["questions"]["03-relu-grad"]["feedback"]
    i = by["i_syntax_error"]
    assert i["total"] == 7 and "SyntaxError" in i["questions"]["03-elu-grad"]["feedback"]
    assert by["j_given_cells_edited"]["total"] == 8
    assert "cannot read the file" in by["k_does_not_exist"]["note"]
    assert "no answer cell of assignment 03_activations" in by["l_no_answers"]["note"]
    for name in ("b_not_json", "c_binary", "d_list", "e_other_assignment", "k_does_not_exist", "l_no_answers"):
        assert by[name]["total"] == 0
        assert all(r["feedback"].startswith("not graded: ") for r in by[name]["questions"].values())

    # the CSV: one row per submission, one column per question, the total; the JSON has the same numbers
    rows = list(csv.DictReader(out.read_text().splitlines()))
    ids = [q.id for q in get_assignment("03_activations").questions]
    assert list(rows[0]) == ["submission", *ids, "total", "note"]
    assert [float(r["total"]) for r in rows] == [s["total"] for s in rep["submissions"]]
    assert json.loads((tmp_path / "out" / "grades.json").read_text()) == rep
    assert sorted(p.name for p in out.parent.iterdir()) == ["grades.csv", "grades.json"]  # no temp files left


def test_wrong_answers_get_named_mistakes_in_feedback(tmp_path):
    wrong = {**answers_of(SOL03),
             "03-leaky-relu-grad": "def leaky_relu_grad(t, alpha=0.01):\n    return np.where(t > 0, 1.0, -alpha)",
             "03-relu-grad": "def relu_grad(t):\n    return t > 0"}
    rep = grade(SOL03, [submission(tmp_path, "w", wrong)], out=tmp_path / "g.csv", **FAST)
    qs = rep["submissions"][0]["questions"]
    assert qs["03-leaky-relu-grad"]["points"] == 0
    assert "the slope there is +α" in qs["03-leaky-relu-grad"]["feedback"]
    assert qs["03-leaky-relu-grad"]["mistakes"] == ["leaky-grad-minus-alpha"]
    assert "dtype bool" in qs["03-relu-grad"]["feedback"]
    assert rep["submissions"][0]["total"] == 6


def test_magics_in_answer_cells_do_not_break_grading(tmp_path):
    good = answers_of(SOL03)
    answers = {**good,
               "03-relu-grad": "%%time\n" + good["03-relu-grad"],
               "03-elu-grad": "%matplotlib inline\n!ls\n" + good["03-elu-grad"] + "\n%timeit elu_grad(np.ones(3))"}
    rep = grade(SOL03, [submission(tmp_path, "magics", answers)], out=tmp_path / "g.csv", **FAST)
    assert rep["submissions"][0]["total"] == 8, json.dumps(rep["submissions"][0], indent=1)


def test_hidden_cases_catch_what_public_cases_miss(tmp_path):
    """A function that hard-codes the public answers passes check() but not the grader."""
    fake = ("_PUBLIC = {}\n"
            "def relu_grad(t):\n"
            "    key = tuple(np.asarray(t).ravel())\n"
            "    if key == (-2.0, -0.5, 0.0, 0.5, 2.0):\n        return np.array([0., 0., 0., 1., 1.])\n"
            "    if key == (-3.0, 0.0, 1.5, 0.25, -0.1, 4.0):\n        return np.array([[0., 0., 1.], [1., 0., 1.]])\n"
            "    return np.zeros_like(t)")
    rep = grade(SOL03, [submission(tmp_path, "hardcoded", {"03-relu-grad": fake})], out=tmp_path / "g.csv",
                seed=1, **FAST)
    r = rep["submissions"][0]["questions"]["03-relu-grad"]
    assert r["points"] == 0 and "hidden case" in r["feedback"]


def test_cli_grade_one_command(tmp_path, capsys):
    folder = tmp_path / "submitted"
    folder.mkdir()
    submission(folder, "alice", answers_of(SOL03))
    submission(folder, "bob")
    out = tmp_path / "grades.csv"
    assert main(["grade", "--assignment", str(SOL03), str(folder), "--out", str(out), "-j", "2",
                 "--timeout", "20", "--no-progress", "--no-reap", "--feedback", str(tmp_path / "feedback")]) == 0
    rows = {Path(r["submission"]).stem: float(r["total"]) for r in csv.DictReader(out.read_text().splitlines())}
    assert rows == {"alice": 8.0, "bob": 0.0}
    bob = (tmp_path / "feedback" / "bob.txt").read_text()
    assert bob.startswith("03_activations: 0 of 8 points")
    assert "03-relu-grad (relu_grad): 0 / 1\n    relu_grad is not implemented yet" in bob
    assert "8 of 8 points" in (tmp_path / "feedback" / "alice.txt").read_text()
    assert (tmp_path / "grades.json").exists()
    assert "graded 2 submissions" in capsys.readouterr().out
    assert main(["grade", "--assignment", str(tmp_path / "nope.ipynb"), str(folder), "--out", str(out),
                 "--no-reap"]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["grade", "--assignment", str(SOL03), str(tmp_path / "empty"), "--out", str(out), "--no-reap"]) == 2
