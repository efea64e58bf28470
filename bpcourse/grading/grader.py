"""Batch grading: a trusted parent, one untrusted child process per submission.

For each submission the parent

1. reads it as plain JSON (never unpickles, never executes anything here);
2. splices its answer cells, matched by question id, into the pristine
   student notebook made by `assign` from the solution, so edits to given
   cells do not count;
3. runs the result in a child (`python -I -m bpcourse.grading.child`) in a
   fresh temporary folder, with a minimal environment, its own process group,
   a wall-clock timeout and CPU-time, address-space and file-size limits;
4. hands the child only the case *inputs* (public cases and hidden cases drawn
   from a secret seed for this run) and reads back only descriptions of what
   the student's functions returned: plain numbers, re-validated here;
5. computes the expected values itself, with the question's reference, and
   compares.  The child's stdout is discarded; nothing it claims is believed.

What a submission cannot do: raise its own score.  Only numbers its functions
compute on inputs it has not seen before count, and the parent checks them
against its own reference; patching numpy or this package, redefining
`check`, IPython hooks, objects that claim equality, printing or writing fake
results, sys.exit, os._exit, endless loops and memory bombs all end in a zero
for the question concerned (tests/test_grading_adversarial.py has one
submission for each).  Given cells that only call `check()`, or that the
exercise expects to raise, are not run: the grader calls the functions itself,
each call limited to a tenth of the timeout.

Limits, said plainly: the child runs as the same operating-system user as the
grader, so it can read and write whatever that user can (files anywhere, the
grader's command line in /proc), signal that user's processes (it could kill
the grader, or with -j a concurrent submission's child), and start processes
that leave its process group.  The CLI kills such leftovers (it makes itself a
child subreaper) before writing the results, and the results are written at
the very end, atomically, so files a submission wrote at the output paths are
replaced.  For real isolation run the grader as a dedicated unprivileged user
in a throw-away container.  Grading cannot tell who wrote a correct function:
the package's own `bpcourse.activations` holds correct answers, so the report
notes answer cells that import from `bpcourse` (an obfuscated import is not
caught).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

from bpcourse.grading.core import Assignment, encode_value, get_assignment, judge, validate_description
from bpcourse.grading.notebook import SubmissionError, assign_notebook, question_of, read_submission, splice

__all__ = ["grade", "expand_submissions", "PreparedAssignment", "prepare", "grade_one"]

#: The most of the child's results file the parent reads.
MAX_RESULTS_BYTES = 64 * 1024 * 1024
#: The most lines of it the parent parses.
MAX_RESULT_LINES = 100_000
_IMPORTS_BPCOURSE = re.compile(r"^\s*(from\s+bpcourse[\s.]|import\s+bpcourse)", re.M)


def expand_submissions(paths) -> list[Path]:
    """Files as given; folders replaced by the *.ipynb inside them (sorted)."""
    out = []
    for p in map(Path, paths):
        out.extend(sorted(p.glob("*.ipynb")) if p.is_dir() else [p])
    return out


@dataclass
class PreparedAssignment:
    """Everything the parent needs for one grading run (shared by all submissions)."""

    assignment: Assignment
    pristine: object            # the student notebook (NotebookNode)
    cases: dict                 # qid -> [Case]
    expected: dict              # qid -> [np.ndarray]
    mistakes: dict              # qid -> [[(Mistake, np.ndarray)]]
    job_questions: list         # JSON-safe case inputs for the child


def prepare(solution_path, seed: int | None = None) -> PreparedAssignment:
    """Read the solution, make the pristine notebook, draw hidden cases, compute expected values."""
    path = Path(solution_path)
    if not path.is_file():
        raise ValueError(f"grade: expected the solution notebook (solutions/NN_topic.ipynb), got {path}")
    assignment = get_assignment(path.stem)
    pristine = assign_notebook(nbformat.read(path, as_version=4), path.stem)
    in_notebook = [question_of(c) for c in pristine.cells if question_of(c)]
    declared = [q.id for q in assignment.questions]
    if sorted(in_notebook) != sorted(declared):
        raise ValueError(f"grade: the answer cells of {path} ({in_notebook}) do not match the questions "
                         f"declared for {assignment.id} ({declared})")
    rng = np.random.default_rng(secrets.randbits(128) if seed is None else seed)
    cases, expected, mistakes, job_questions = {}, {}, {}, []
    for q in assignment.questions:
        cs = list(q.public_cases) + q.draw_hidden(rng)
        cases[q.id] = cs
        expected[q.id] = [q.expected(c) for c in cs]
        mistakes[q.id] = [q.mistake_outputs(c) for c in cs]
        job_questions.append({"id": q.id, "function": q.function, "cases": [
            {"args": [encode_value(a) for a in c.args], "kwargs": {k: encode_value(v) for k, v in c.kwargs.items()}}
            for c in cs]})
    return PreparedAssignment(assignment, pristine, cases, expected, mistakes, job_questions)


# --- running one child ----------------------------------------------------------------

def case_timeout(timeout: float) -> float:
    """Seconds one call of a student function may take in the child: a tenth of the whole budget."""
    return max(0.5, timeout / 10)


def _child_env(workdir: str) -> dict:
    return {"PATH": os.defpath, "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


# --- processes a child leaves behind -----------------------------------------------------
# A student can start a process that leaves the child's process group (setsid) and outlives
# the child.  When the grader owns its process (the CLI), it becomes a "child subreaper":
# such orphans are re-parented to it instead of to init, and it kills every child process
# of its own that it did not start.  A library caller (a notebook, pytest) may have children
# of its own, so there this stays off unless asked for (grade(..., reap=True)).

_SPAWN_LOCK = threading.Lock()
_OUR_CHILDREN: set[int] = set()
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux); True when it worked."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _children_of_ours() -> list[int]:
    me, found = os.getpid(), []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me:
            found.append(int(entry.name))
    return found


def kill_orphans() -> int:
    """Kill (and reap) every child process of ours that is not a grading child we started; return how many."""
    killed = 0
    with _SPAWN_LOCK:
        for _ in range(100):  # orphans may fork while we look: repeat until none is left
            pids = [p for p in _children_of_ours() if p not in _OUR_CHILDREN]
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    killed += 1
                except (ProcessLookupError, ChildProcessError, PermissionError):
                    pass
    return killed


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_child(cells: list, job_questions: list, timeout: float, memory_mb: int, reap: bool = False) -> dict:
    """Run the spliced cells in a child; return {"lines", "timed_out", "returncode", "stderr"}."""
    workdir = tempfile.mkdtemp(prefix="bpgrade-")
    try:
        with open(os.path.join(workdir, "job.json"), "w", encoding="utf-8") as f:
            json.dump({"cells": cells, "questions": job_questions, "case_timeout": case_timeout(timeout)}, f)
        results = os.path.join(workdir, "results.jsonl")
        cpu = max(1, math.ceil(timeout)) + 1
        with open(os.path.join(workdir, "stderr.txt"), "wb") as err:
            with _SPAWN_LOCK:  # kill_orphans must not take a child for an orphan while it is being born
                proc = subprocess.Popen(
                    [sys.executable, "-I", "-m", "bpcourse.grading.child", "job.json", "results.jsonl",
                     str(cpu), str(memory_mb)],
                    cwd=workdir, env=_child_env(workdir), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=err, start_new_session=True, close_fds=True)
                _OUR_CHILDREN.add(proc.pid)
            timed_out = False
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(proc.pid)
                proc.wait()
            finally:
                _kill_group(proc.pid)  # whatever the student started in the same group
                with _SPAWN_LOCK:
                    _OUR_CHILDREN.discard(proc.pid)
            if reap:
                kill_orphans()
        lines = []
        if os.path.exists(results):
            with open(results, "rb") as f:
                raw = f.read(MAX_RESULTS_BYTES)
            for line in raw.split(b"\n"):
                if len(lines) >= MAX_RESULT_LINES:  # junk lines cannot make the parent run out of memory
                    break
                try:
                    obj = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if isinstance(obj, dict):
                    lines.append(obj)
        with open(os.path.join(workdir, "stderr.txt"), "rb") as f:
            f.seek(max(0, os.path.getsize(f.name) - 2000))
            stderr = f.read().decode("utf-8", "replace")
        return {"lines": lines, "timed_out": timed_out, "returncode": proc.returncode, "stderr": stderr}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- judging one submission ---------------------------------------------------------------

def _zero(prep: PreparedAssignment, reason: str) -> dict:
    return {q.id: {"points": 0.0, "max": float(q.points), "feedback": reason} for q in prep.assignment.questions}


def _result(path, prep, questions, note="", diagnostics=()) -> dict:
    return {"submission": str(path), "total": round(sum(r["points"] for r in questions.values()), 6),
            "note": note, "questions": questions, "diagnostics": list(diagnostics)}


def grade_one(path, prep: PreparedAssignment, timeout: float = 60.0, memory_mb: int = 2048,
              reap: bool = False) -> dict:
    """Grade one submission; never raises for anything the submission contains."""
    try:
        nb = read_submission(path)
        cells, missing, notes = splice(prep.pristine, nb, prep.assignment.id)
    except SubmissionError as err:
        return _result(path, prep, _zero(prep, f"not graded: {err}"), note=str(err))
    diagnostics = list(notes)
    for cell in cells:
        if cell["question"] and _IMPORTS_BPCOURSE.search(cell["source"]):
            diagnostics.append(f"the answer cell for {cell['question']} imports from bpcourse "
                               "(the package holds reference answers): check it by hand")
    run = run_child(cells, prep.job_questions, timeout, memory_mb, reap)

    # what the child reported, trusting only its shape
    last_cell, started, outputs, absent, cell_errors, done = None, None, {}, {}, {}, False
    n_cells = len(cells)
    for obj in run["lines"]:
        if type(obj.get("cell")) is int and 0 <= obj["cell"] < n_cells:
            last_cell = obj["cell"]
        elif type(obj.get("cell_error")) is int and 0 <= obj["cell_error"] < n_cells:
            cell_errors[obj["cell_error"]] = f"{str(obj.get('type'))[:100]}: {str(obj.get('message'))[:300]}"
        elif isinstance(obj.get("start"), str):
            started = obj["start"]
        elif isinstance(obj.get("question"), str):
            if isinstance(obj.get("outputs"), list):
                outputs[obj["question"]] = obj["outputs"]
            elif isinstance(obj.get("missing"), str):
                absent[obj["question"]] = obj["missing"][:300]
        elif obj.get("done") is True:
            done = True
    for i, msg in sorted(cell_errors.items()):
        diagnostics.append(f"{cells[i]['label']} raised {msg}")

    if run["timed_out"]:
        where = (f"while evaluating {started}" if started else
                 f"while running {cells[last_cell]['label']}" if last_cell is not None else "before starting")
        stopped = f"your notebook did not finish within {timeout:g} s (stopped {where})"
    elif not done:
        where = f" while evaluating {started}" if started else (
            f" in {cells[last_cell]['label']}" if last_cell is not None else "")
        stopped = f"the grading process ended early (exit code {run['returncode']}){where}"
        if run["stderr"].strip() and not run["lines"]:
            diagnostics.append("stderr: " + run["stderr"].strip()[-1000:])
    else:
        stopped = ""
    if stopped:
        diagnostics.append(stopped)

    questions = {}
    for q in prep.assignment.questions:
        cases, expected = prep.cases[q.id], prep.expected[q.id]
        entry = {"points": 0.0, "max": float(q.points), "feedback": ""}
        questions[q.id] = entry
        if q.id in missing:
            entry["feedback"] = missing[q.id]
            continue
        raw = outputs.get(q.id)
        if raw is None or len(raw) != len(cases):
            if q.id in absent:
                reason = absent[q.id]
                own = [m for i, m in cell_errors.items() if cells[i]["question"] == q.id]
                if own:
                    reason += f" (its answer cell raised {own[0]})"
            elif raw is not None:
                reason = "the grader could not read what your function returned"
            else:
                reason = stopped or "no result came back for this question"
            entry["feedback"] = reason
            continue
        wrong = []
        for i, (case, exp, d) in enumerate(zip(cases, expected, raw)):
            v = judge(q, case, exp, validate_description(d), prep.mistakes[q.id][i])
            if not v.ok:
                wrong.append((i, case, v))
        if not wrong:
            entry["points"] = float(q.points)
            entry["feedback"] = f"correct on all {len(cases)} cases"
        else:
            i, case, v = wrong[0]
            kind = "public" if i < len(q.public_cases) else "hidden"
            if all(w[2].message == v.message for w in wrong) and len(wrong) == len(cases):
                entry["feedback"] = f"{v.message} (all {len(cases)} cases)"
            else:
                entry["feedback"] = (f"wrong on {len(wrong)} of {len(cases)} cases; e.g. {kind} case "
                                     f"{case.call_text(q.function)}: {v.message}")
            names = sorted({w[2].mistake for w in wrong if w[2].mistake})
            if names:
                entry["mistakes"] = names
    return _result(path, prep, questions, note=stopped, diagnostics=diagnostics)


# --- the batch and its reports -----------------------------------------------------------

def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _text_cell(s: str) -> str:
    """A CSV text cell a spreadsheet will not run as a formula."""
    return "'" + s if s[:1] in ("=", "+", "-", "@") else s


def _csv_text(prep: PreparedAssignment, results: list) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    ids = [q.id for q in prep.assignment.questions]
    w.writerow(["submission", *ids, "total", "note"])
    for r in results:
        w.writerow([_text_cell(r["submission"]), *(f"{r['questions'][i]['points']:g}" for i in ids),
                    f"{r['total']:g}", _text_cell(r["note"])])
    return buf.getvalue()


def feedback_text(result: dict, data: dict) -> str:
    """The feedback for one submission, as plain text for the student."""
    lines = [f"{data['assignment']}: {result['total']:g} of {data['max_points']:g} points",
             f"submission: {Path(result['submission']).name}", ""]
    if result["note"]:
        lines += [f"Note: {result['note']}", ""]
    for q in data["questions"]:
        r = result["questions"][q["id"]]
        lines.append(f"{q['id']} ({q['function']}): {r['points']:g} / {r['max']:g}")
        lines.append(f"    {r['feedback']}")
    if result["diagnostics"]:
        lines += ["", "While running your notebook:"] + [f"    {d}" for d in result["diagnostics"]]
    return "\n".join(lines) + "\n"


def _write_feedback(folder: Path, data: dict) -> None:
    used: set[str] = set()
    for r in data["submissions"]:
        stem, n = Path(r["submission"]).stem, 1
        name = f"{stem}.txt"
        while name in used:
            n += 1
            name = f"{stem}-{n}.txt"
        used.add(name)
        _write_atomic(folder / name, feedback_text(r, data))


def grade(solution_path, submissions, out, report=None, jobs: int = 1, timeout: float = 60.0,
          memory_mb: int = 2048, seed: int | None = None, progress: bool = True, reap: bool = False,
          feedback_dir=None) -> dict:
    """Grade submissions; write the CSV `out` and the JSON `report` atomically; return the report dict.

    feedback_dir: also write one plain-text feedback file per submission there (<name>.txt).

    reap=True (the CLI): this process becomes a child subreaper and kills processes the children
    leave behind; use it only in a process that starts no other children.
    """
    from tqdm import tqdm

    out = Path(out)
    report = Path(report) if report is not None else out.with_suffix(".json")
    if jobs < 1:
        raise ValueError(f"grade: expected jobs >= 1, got {jobs}")
    if timeout <= 0 or memory_mb < 64:
        raise ValueError(f"grade: expected timeout > 0 and memory >= 64 MB, got {timeout} s and {memory_mb} MB")
    submissions = [Path(p) for p in submissions]
    start = time.perf_counter()
    prep = prepare(solution_path, seed)
    reap = reap and become_subreaper()
    results: list = [None] * len(submissions)
    with ThreadPoolExecutor(max_workers=jobs) as pool, \
            tqdm(total=len(submissions), desc=f"grading {prep.assignment.id}", unit="nb", disable=not progress) as bar:
        futures = {pool.submit(grade_one, p, prep, timeout, memory_mb, reap): i for i, p in enumerate(submissions)}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as err:  # a bug of ours must not cost the other submissions their grades
                results[i] = _result(submissions[i], prep, _zero(prep, f"grader error: {err}"),
                                     note=f"grader error: {type(err).__name__}: {err}")
            bar.update(1)
    data = {"assignment": prep.assignment.id, "max_points": prep.assignment.max_points,
            "questions": [{"id": q.id, "function": q.function, "points": float(q.points), "title": q.title}
                          for q in prep.assignment.questions],
            "timeout_s": timeout, "memory_mb": memory_mb, "seconds": round(time.perf_counter() - start, 3),
            "csv": str(out), "report": str(report), "submissions": results}
    if reap:
        kill_orphans()
    _write_atomic(out, _csv_text(prep, results))
    _write_atomic(report, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    if feedback_dir is not None:
        _write_feedback(Path(feedback_dir), data)
    return data
