"""Batch grading: 30 submissions of the activation assignment, `bpcourse grade -j 2`.

    .venv/bin/python benchmarks/bench_grading.py

The 30 submissions are a class-like mix, built from the exercise: 10 fully solved,
10 untouched (every question raises NotImplementedError), 10 with catalogued
mistakes in some answers.  Each is run in its own child process (fresh Python,
numpy import, all cells, public + hidden cases).  There is no reference tool to
compare with (ref_s, ratio: None).  peak_mb is the largest resident set of one
child process (getrusage of the children).  Target (issue 3): <= 60 s with -j 2
on 2 cores.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _util import row, table  # noqa: E402

from bpcourse.grading.grader import grade  # noqa: E402
from bpcourse.grading.notebook import question_of  # noqa: E402

SOLUTION = ROOT / "solutions" / "03_activations.ipynb"
EXERCISE = ROOT / "exercises" / "03_activations.ipynb"
MISTAKES = {
    "03-relu-grad": "def relu_grad(t):\n    return (t >= 0).astype(float)",
    "03-leaky-relu-grad": "def leaky_relu_grad(t, alpha=0.01):\n    return np.where(t > 0, 1.0, -alpha)",
    "03-swish-grad": "def swish_grad(t, beta=1.0):\n    return sigmoid(beta * t)",
}


def _submissions(folder: Path, n: int = 30) -> list[Path]:
    solved = {question_of(c): c.source for c in nbformat.read(SOLUTION, as_version=4).cells if question_of(c)}
    paths = []
    for i in range(n):
        nb = nbformat.read(EXERCISE, as_version=4)
        kind = ("solved", "untouched", "mistakes")[i % 3]
        for cell in nb.cells:
            qid = question_of(cell)
            if qid and kind == "solved":
                cell.source = solved[qid]
            elif qid and kind == "mistakes":
                cell.source = MISTAKES.get(qid, solved[qid])
        path = folder / f"student{i:02d}_{kind}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def run(jobs: int = 2, n: int = 30) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subs = _submissions(tmp, n)
        start = time.perf_counter()
        report = grade(SOLUTION, subs, out=tmp / "grades.csv", jobs=jobs, timeout=60, progress=False)
        took = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux: KiB
    totals = sorted({s["total"] for s in report["submissions"]})
    return [row(f"grade {n} submissions of 03_activations, -j {jobs}", took, peak_mb=peak_mb,
                target="<= 60 s", met=took <= 60.0,
                note=f"{took / n:.2f} s per submission; totals seen {totals} of {report['max_points']:g}")]


if __name__ == "__main__":
    print(table(run()))
