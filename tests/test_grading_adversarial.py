"""One submission per cheat vector: each scores 0 on the cheated question (03-relu-grad) and the batch completes.

Every cheating submission answers relu_grad wrongly (zeros) and then tries to make that look right.
They are graded in one batch with -j 2 and a short timeout, next to an honest submission that must
still get full marks.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from bpcourse.grading.grader import grade
from bpcourse.grading.notebook import question_of

ROOT = Path(__file__).resolve().parents[1]
SOL03 = ROOT / "solutions" / "03_activations.ipynb"
EX03 = ROOT / "exercises" / "03_activations.ipynb"
TIMEOUT = 5
WRONG = "def relu_grad(t):\n    return np.zeros_like(t)\n"

CHEATS = {
    "patch_numpy": WRONG + """
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
try:
    np.ndarray.__eq__ = lambda self, other: True
except TypeError:
    pass
""",
    "patch_grading_module": WRONG + """
import bpcourse.grading.core as core
from bpcourse.grading import grader
core.close = lambda *a, **k: True
core.judge = lambda *a, **k: core.Verdict(True)
core.validate_description = lambda d: {"kind": "array", "shape": [], "data": [1.0]}
core.call_and_describe = lambda fn, case: {"kind": "ok", "points": 1, "verdict": "pass"}
grader.grade_one = lambda *a, **k: {"total": 100}
import json
_dumps = json.dumps
json.dumps = lambda obj, *a, **k: _dumps({"question": "03-relu-grad", "verdict": "pass", "points": 1})
""",
    "redefine_check": WRONG + """
def check(*args, **kwargs):
    print("✓ all public cases pass")
    return True
import bpcourse.grading
bpcourse.grading.check = check
""",
    "always_equal_object": """
class AlwaysEqual:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = None
    def __array__(self, dtype=None, copy=None): raise TypeError("no")
def relu_grad(t):
    return AlwaysEqual()
""",
    "always_equal_ndarray": """
class Liar(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), bool)
    def __float__(self): return 1.0
    def tolist(self): return [1.0] * self.size
def relu_grad(t):
    return np.zeros_like(t).view(Liar)
""",
    "ipython_hooks": WRONG + """
try:
    ip = get_ipython()
    ip.input_transformers_post.append(lambda lines: ["pass\\n"])
    ip.input_transformers_cleanup.append(lambda lines: ["pass\\n"])
    ip.events.register("pre_run_cell", lambda *a: None)
except Exception:
    pass
try:
    from IPython import get_ipython as _g
    _g().events.register("post_run_cell", lambda *a: None)
except Exception:
    pass
""",
    "sys_exit_in_cell": WRONG + "import sys\nsys.exit(0)\n",
    "sys_exit_in_function": "def relu_grad(t):\n    import sys\n    sys.exit(0)\n",
    "os_exit_in_cell": WRONG + "import os\nos._exit(0)\n",
    "os_exit_in_function": "def relu_grad(t):\n    import os\n    os._exit(0)\n",
    "infinite_loop_in_cell": WRONG + "while True:\n    pass\n",
    "infinite_loop_in_function": "def relu_grad(t):\n    while True:\n        pass\n",
    "memory_bomb_in_cell": WRONG + """
def bomb():
    hog = []
    while True:
        hog.append(bytearray(10**8))
bomb()
""",
    "memory_bomb_in_function": """
def relu_grad(t):
    hog = []
    while True:
        hog.append(np.empty(10**8))
""",
    "disk_filler": WRONG + """
with open("big.bin", "wb") as f:
    for _ in range(20):
        f.write(b"0" * 10**7)
""",
    "print_fake_results": WRONG + """
import sys
for stream in (sys.stdout, sys.stderr):
    print('{"question": "03-relu-grad", "outputs": [], "points": 1, "verdict": "pass"}', file=stream)
    print("03-relu-grad: 1/1 points -- all hidden cases pass", file=stream)
    print("submission,03-relu-grad,total\\nme,1,8", file=stream)
""",
    "write_fake_outputs": WRONG + """
import glob, json, os
fake = "submission,03-relu-grad,03-leaky-relu-grad,total,note\\ncheater,1,1,8,\\n"
targets = ["grades.csv", "../grades.csv", "../../grades.csv", os.path.expanduser("~/grades.csv"), OUT_CSV, OUT_JSON]
for path in targets:
    try:
        with open(path, "w") as f:
            f.write(fake if path.endswith(".csv") else json.dumps({"submissions": [{"total": 8}]}))
    except OSError:
        pass
# lines in the child's own results file claiming success
with open("results.jsonl", "a") as f:
    f.write(json.dumps({"question": "03-relu-grad", "verdict": "pass", "points": 1, "ok": True}) + "\\n")
    fake = {"kind": "array", "shape": [], "data": [1.0]}
    f.write(json.dumps({"question": "03-relu-grad", "outputs": [fake]}) + "\\n")
""",
    "tamper_with_input": """
def relu_grad(t):
    t[...] = 0.0            # overwrite the input: expected values are computed in the parent anyway
    return np.zeros_like(t)
""",
}


def answers_of(path) -> dict:
    return {question_of(c): c.source for c in nbformat.read(path, as_version=4).cells if question_of(c)}


def make(tmp_path, name, relu_source) -> Path:
    nb = nbformat.read(EX03, as_version=4)
    good = answers_of(SOL03)
    for cell in nb.cells:
        qid = question_of(cell)
        if qid:
            cell.source = relu_source if qid == "03-relu-grad" else good[qid]
    path = tmp_path / "submissions" / f"{name}.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adversarial")
    out = tmp / "out" / "grades.csv"
    out_json = out.with_suffix(".json")
    subs = [make(tmp, "honest", answers_of(SOL03)["03-relu-grad"])]
    for name, src in CHEATS.items():
        src = src.replace("OUT_CSV", repr(str(out))).replace("OUT_JSON", repr(str(out_json)))
        subs.append(make(tmp, name, textwrap.dedent(src)))
    subs.append(make(tmp, "honest_last", answers_of(SOL03)["03-relu-grad"]))
    report = grade(SOL03, subs, out=out, jobs=2, timeout=TIMEOUT, memory_mb=512, progress=False)
    by = {Path(s["submission"]).stem: s for s in report["submissions"]}
    return {"report": report, "by": by, "out": out, "out_json": out_json, "tmp": tmp}


def test_batch_completes_and_honest_neighbours_keep_full_marks(batch):
    assert len(batch["report"]["submissions"]) == len(CHEATS) + 2
    assert batch["by"]["honest"]["total"] == 8
    assert batch["by"]["honest_last"]["total"] == 8


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_cheat_scores_zero_on_the_cheated_question(batch, name):
    result = batch["by"][name]
    relu = result["questions"]["03-relu-grad"]
    assert relu["points"] == 0, json.dumps(result, indent=1, ensure_ascii=False)
    assert relu["feedback"], "every zero comes with a reason"


def test_cheats_confined_to_their_cell_leave_the_other_questions_graded(batch):
    """Only the cheats that end or stall the whole process cost the other answers."""
    for name in CHEATS:
        total = batch["by"][name]["total"]
        whole_process = name in ("os_exit_in_cell", "os_exit_in_function", "infinite_loop_in_cell")
        assert total == (0 if whole_process else 7), (name, total)


def test_reasons_are_plain(batch):
    by = batch["by"]
    assert "did not finish within 5 s (stopped while running cell 3 (answer 03-relu-grad))" in \
        by["infinite_loop_in_cell"]["note"]
    assert "relu_grad raised TimeoutError: took longer than 0.5 s" in \
        by["infinite_loop_in_function"]["questions"]["03-relu-grad"]["feedback"]
    assert "ended early (exit code 0) in cell 3 (answer 03-relu-grad)" in by["os_exit_in_cell"]["note"]
    assert "ended early (exit code 0) while evaluating 03-relu-grad" in by["os_exit_in_function"]["note"]
    assert "raised SystemExit" in by["sys_exit_in_function"]["questions"]["03-relu-grad"]["feedback"]
    assert "MemoryError" in by["memory_bomb_in_function"]["questions"]["03-relu-grad"]["feedback"]
    assert any("MemoryError" in d for d in by["memory_bomb_in_cell"]["diagnostics"])
    assert any("File too large" in d for d in by["disk_filler"]["diagnostics"])
    assert "returned an object of type AlwaysEqual" in \
        by["always_equal_object"]["questions"]["03-relu-grad"]["feedback"]


def test_written_files_are_ours(batch):
    rows = list(csv.DictReader(batch["out"].read_text().splitlines()))
    assert [r["submission"] for r in rows] == [s["submission"] for s in batch["report"]["submissions"]]
    cheater = next(r for r in rows if Path(r["submission"]).stem == "write_fake_outputs")
    assert cheater["03-relu-grad"] == "0" and cheater["total"] == "7"
    assert json.loads(batch["out_json"].read_text()) == batch["report"]


DAEMON = WRONG + """
import os, time
if os.fork() == 0:              # leave the child's process group and outlive it
    os.setsid()
    if os.fork() == 0:
        time.sleep(2.0)
        for path in (OUT_CSV, OUT_JSON):
            with open(path, "w") as f:
                f.write("cheater,1,1,1,1,1,1,2,8,\\n")
        os._exit(0)
    os._exit(0)
"""


def test_detached_process_cannot_rewrite_the_grades_after_the_run(tmp_path):
    """The CLI kills what a submission leaves behind, before and after it writes the outputs."""
    out = tmp_path / "out" / "grades.csv"
    src = DAEMON.replace("OUT_CSV", repr(str(out))).replace("OUT_JSON", repr(str(out.with_suffix(".json"))))
    sub = make(tmp_path, "daemon", src)
    proc = subprocess.run([sys.executable, "-m", "bpcourse.cli", "grade", "--assignment", str(SOL03), str(sub),
                           "--out", str(out), "--timeout", str(TIMEOUT), "--no-progress"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    written = out.read_text()
    time.sleep(3.0)  # longer than the detached process would wait
    assert out.read_text() == written
    row = next(csv.DictReader(written.splitlines()))
    assert row["03-relu-grad"] == "0" and row["total"] == "7"
