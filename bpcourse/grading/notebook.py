"""Notebooks for grading: authoring helpers, `assign` (solutions -> exercises), reading and splicing submissions.

Conventions (the grader and the tests rely on them):

- an answer cell is a code cell tagged ``answer`` whose metadata holds
  ``{"bpcourse": {"question": "<question id>"}}``;
- solution lines sit between a line ``# BEGIN SOLUTION`` and a line
  ``# END SOLUTION``; `assign` replaces each region (markers included) by
  ``raise NotImplementedError`` at the indentation of the BEGIN line;
- in exercises a cell gets the tag ``raises-exception`` (so nbval-lax expects
  it to raise) when its solution region is at top level, or when the author
  tagged it ``exercise-raises`` in the solution (a given cell that calls a
  student function, e.g. ``m, v = selu_moments(...)``);
- the exercise's notebook metadata records ``{"bpcourse": {"assignment": "NN_topic"}}``.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat

__all__ = [
    "ANSWER_TAG", "META_KEY", "RAISES_TAG", "EXERCISE_RAISES_TAG", "BEGIN", "END", "SubmissionError",
    "answer_cell", "check_cell", "strip_solutions", "assign_notebook", "assign", "read_submission",
    "answer_sources", "splice", "to_python", "question_of",
]

ANSWER_TAG = "answer"
META_KEY = "bpcourse"
RAISES_TAG = "raises-exception"
EXERCISE_RAISES_TAG = "exercise-raises"
BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
STUB = "raise NotImplementedError"
#: Submissions larger than this are refused unread.
MAX_SUBMISSION_BYTES = 20 * 1024 * 1024


class SubmissionError(ValueError):
    """A submission that cannot be graded; the message is the reason shown to the student."""


# --- authoring ---------------------------------------------------------------------

def answer_cell(source: str, question: str):
    """A code cell tagged `answer` for question id `question` (for notebook-authoring scripts)."""
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [ANSWER_TAG]
    cell.metadata[META_KEY] = {"question": question}
    return cell


def check_cell(question: str, function: str):
    """The cell `check("<question>", <function>)` that follows an answer cell."""
    return nbformat.v4.new_code_cell(f'check("{question}", {function})')


def question_of(cell) -> str | None:
    """The question id of an answer cell (a plain dict or a NotebookNode), else None."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    if not isinstance(meta, dict) or cell.get("cell_type") != "code":
        return None
    info = meta.get(META_KEY)
    qid = info.get("question") if isinstance(info, dict) else None
    return qid if isinstance(qid, str) and qid else None


# --- assign: solutions -> exercises --------------------------------------------------

def strip_solutions(source: str, where: str = "cell") -> tuple[str, bool]:
    """Replace each BEGIN/END SOLUTION region by `raise NotImplementedError`.

    Returns (new source, whether a region sat at top level, i.e. the cell itself will raise).
    """
    out, top_level, begin_indent = [], False, None
    for n, line in enumerate(source.split("\n"), 1):
        mark = line.strip()
        if mark == BEGIN:
            if begin_indent is not None:
                raise ValueError(f"assign: {where}, line {n}: {BEGIN} inside another solution region")
            begin_indent = line[: len(line) - len(line.lstrip())]
            top_level = top_level or begin_indent == ""
            out.append(begin_indent + STUB)
        elif mark == END:
            if begin_indent is None:
                raise ValueError(f"assign: {where}, line {n}: {END} without a {BEGIN} before it")
            begin_indent = None
        elif begin_indent is None:
            out.append(line)
    if begin_indent is not None:
        raise ValueError(f"assign: {where}: {BEGIN} is never closed by {END}")
    return "\n".join(out), top_level


def assign_notebook(nb, assignment_id: str):
    """The student version of a solution notebook (a new NotebookNode; the input is left alone)."""
    nb = copy.deepcopy(nb)
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        tags = list(cell.metadata.get("tags", []))
        qid = question_of(cell)
        if qid is not None:
            if qid in seen:
                raise ValueError(f"assign: {assignment_id}: question {qid!r} has two answer cells")
            seen.add(qid)
        if cell.cell_type != "code":
            continue
        source, raises = strip_solutions(cell.source, f"{assignment_id}, cell {i}")
        cell.source = source
        cell.outputs = []
        cell.execution_count = None
        if EXERCISE_RAISES_TAG in tags:
            tags.remove(EXERCISE_RAISES_TAG)
            raises = True
        if raises and RAISES_TAG not in tags:
            tags.append(RAISES_TAG)
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
        cell.metadata.pop("execution", None)
    nb.metadata[META_KEY] = {"assignment": assignment_id}
    return nb


def assign(src, dst) -> list[Path]:
    """Write exercises for one solution notebook or a folder of them; return the paths written."""
    src, dst = Path(src), Path(dst)
    sources = sorted(src.glob("*.ipynb")) if src.is_dir() else [src]
    if not sources:
        raise ValueError(f"assign: expected solution notebooks (*.ipynb) in {src}, found none")
    dst.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sources:
        out = dst / path.name
        text = exercise_text(path)
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            out.write_text(text, encoding="utf-8")
        written.append(out)
    return written


def exercise_text(solution_path) -> str:
    """What `assign` writes for this solution notebook (used by the up-to-date test)."""
    path = Path(solution_path)
    return nbformat.writes(assign_notebook(nbformat.read(path, as_version=4), path.stem)) + "\n"


# --- submissions ------------------------------------------------------------------------

def read_submission(path) -> dict:
    """The submission as plain JSON data, or SubmissionError with a reason a student understands.

    Plain json: nothing in a submission is executed or unpickled here.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_SUBMISSION_BYTES + 1)
    except OSError as err:
        raise SubmissionError(f"cannot read the file: {err.strerror}") from None
    if len(raw) > MAX_SUBMISSION_BYTES:
        raise SubmissionError(f"the file is larger than {MAX_SUBMISSION_BYTES / 2**20:.0f} MB; "
                              "a notebook that large is not graded")
    try:
        nb = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SubmissionError("not a Jupyter notebook: the file is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise SubmissionError(f"not a Jupyter notebook: not valid JSON ({err.msg} at line {err.lineno})") from None
    except RecursionError:
        raise SubmissionError("not a Jupyter notebook: JSON nested too deeply") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise SubmissionError("not a Jupyter notebook: no list of cells")
    return nb


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    if isinstance(src, list) and all(isinstance(s, str) for s in src):
        return "".join(src)
    if isinstance(src, str):
        return src
    raise SubmissionError("a cell's source is neither text nor a list of lines")


def answer_sources(nb: dict) -> tuple[dict[str, str], list[str]]:
    """({question id: source} of the answer cells, notes); the last cell wins when an id repeats."""
    found: dict[str, str] = {}
    notes = []
    for cell in nb.get("cells", []):
        qid = question_of(cell) if isinstance(cell, dict) else None
        if qid is None:
            continue
        if qid in found:
            notes.append(f"two answer cells for {qid}: the later one was graded")
        found[qid] = _source(cell)
    return found, notes


def submission_assignment(nb: dict) -> str | None:
    """The assignment id the submission's metadata claims, if any."""
    meta = nb.get("metadata")
    info = meta.get(META_KEY) if isinstance(meta, dict) else None
    aid = info.get("assignment") if isinstance(info, dict) else None
    return aid if isinstance(aid, str) else None


_CHECK_LINE = re.compile(r"^(_\s*=\s*)?check\(.*\)\s*;?$")


def _is_check_cell(source: str) -> bool:
    """True for a cell of `check(...)` calls only (comments and blank lines allowed)."""
    lines = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return bool(lines) and all(_CHECK_LINE.match(ln) for ln in lines)


def to_python(source: str) -> str:
    """Cell source as plain Python: IPython's own transforms turn %magics and !commands into calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # the child reports the SyntaxError when it compiles the cell
        return source


def splice(pristine, submission: dict, assignment_id: str) -> tuple[list[dict], dict[str, str], list[str]]:
    """Cells to run: the pristine exercise's code cells, each answer cell replaced by the submission's.

    Given cells that only call check(), and given cells tagged raises-exception (they call student
    functions), are left out: they grade nothing, and a stalled student function would stall them.

    Returns (cells, missing, notes): cells are {"source", "label", "question"}; missing maps the
    question ids the submission has no answer cell for to a reason.  Raises SubmissionError when the
    notebook belongs to another assignment or has no answer cell of this one.
    """
    claimed = submission_assignment(submission)
    if claimed is not None and claimed != assignment_id:
        raise SubmissionError(f"this is the notebook of assignment {claimed[:80]}, not {assignment_id}")
    answers, notes = answer_sources(submission)
    wanted = [question_of(c) for c in pristine.cells if question_of(c)]
    if wanted and not set(answers) & set(wanted):
        raise SubmissionError(f"no answer cell of assignment {assignment_id} found "
                              f"(expected cells for {', '.join(wanted)}); is this the right notebook?")
    cells, missing = [], {}
    for i, cell in enumerate(pristine.cells):
        if cell.cell_type != "code":
            continue
        qid = question_of(cell)
        if qid is None and (_is_check_cell(cell.source) or RAISES_TAG in cell.metadata.get("tags", [])):
            continue  # given cells that call student functions: the grader calls them itself, with limits
        source = cell.source
        if qid is not None:
            if qid in answers:
                source = answers[qid]
            else:
                missing[qid] = f"no answer cell for {qid} in the submission (was it deleted or retyped?)"
        cells.append({"source": to_python(source), "label": f"cell {i}" + (f" (answer {qid})" if qid else ""),
                      "question": qid})
    return cells, missing, notes
