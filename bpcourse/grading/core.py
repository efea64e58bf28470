"""Questions as data, the comparison with a tolerance, and `check()`.

The same three steps serve the student's `check()` and the instructor's
grader, so both give the same words for the same mistake:

1. `call_and_describe(fn, case)` calls the student's function and turns
   whatever comes back (an array, None, a list, an exception ...) into a plain
   dict of strings and floats -- a *description*.  In the grader this runs in
   the untrusted child; the parent then re-checks the description with
   `validate_description`, so nothing but plain numbers crosses over.
2. `Question.expected(case)` runs the reference (always in a trusted process).
3. `judge(question, case, expected, description)` compares and writes the
   verdict, naming a catalogued mistake when the wrong output matches one.
"""

from __future__ import annotations

import importlib
import inspect
import math
import numbers
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Case", "Mistake", "Question", "Assignment", "Verdict", "CheckResult",
    "check", "judge", "call_and_describe", "describe", "validate_description",
    "encode_value", "decode_value", "all_assignments", "get_assignment", "get_question",
    "all_questions", "format_array",
]

#: Largest output (number of entries) a description carries; bigger ones are reported by shape only.
MAX_OUTPUT_SIZE = 200_000
#: Longest exception message or type name kept in a description.
MAX_TEXT = 300
#: Most elements of a returned tuple a description carries.
MAX_ITEMS = 16


# --- questions as data -----------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One call `fn(*args, **kwargs)`: args and kwargs hold numpy arrays (float64, int64 or bool),
    Python numbers and strings only, so that they travel to the grader's child as JSON, exactly."""

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def call_text(self, name: str) -> str:
        """`leaky_relu_grad([-2., 0., 2.], alpha=0.1)`-style text for messages (arrays shortened)."""
        parts = [format_array(a) if isinstance(a, np.ndarray) else repr(a) for a in self.args]
        parts += [f"{k}={format_array(v) if isinstance(v, np.ndarray) else repr(v)}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"

    def fresh(self) -> tuple[tuple, dict]:
        """Copies of args and kwargs, so a function that writes into its input cannot spoil the next call."""
        copy = lambda v: v.copy() if isinstance(v, np.ndarray) else v  # noqa: E731
        return tuple(copy(a) for a in self.args), {k: copy(v) for k, v in self.kwargs.items()}


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: `fn` computes it, `message` names it in words a student can act on."""

    name: str
    fn: Callable
    message: str


@dataclass(frozen=True)
class Question:
    """One graded function.

    id: unique across the course, by convention "NN-short-name" (e.g. "03-relu-grad");
    function: the name the answer cell defines (e.g. "relu_grad");
    reference: the right answer, called like the student's function;
    public_cases: fixed cases `check()` runs (and the grader too);
    hidden_cases: rng -> list of Case, drawn afresh at grading time;
    rtol, atol: |got - expected| <= atol + rtol * |expected| entry by entry;
    mistakes: at least two catalogued wrong answers;
    allow_sequence: accept a list/tuple of numbers (e.g. `return mean, var`) as well as an array;
    shape_hint: words for the expected shape in messages ("the same shape as t");
    outputs: names of the arrays when the function returns several, e.g. ("dx", "dW", "db"):
        the reference (and each mistake) then returns a tuple of that length, and each array
        is compared on its own; empty (the default) means one array.
    """

    id: str
    function: str
    points: float
    reference: Callable
    public_cases: tuple
    hidden_cases: Callable
    mistakes: tuple
    title: str = ""
    rtol: float = 1e-6
    atol: float = 1e-9
    allow_sequence: bool = False
    shape_hint: str = ""
    outputs: tuple = ()

    def __post_init__(self):
        if not isinstance(self.id, str) or not self.id:
            raise TypeError(f"Question: expected a non-empty str id, got {self.id!r}")
        if not self.function.isidentifier():
            raise ValueError(f"Question {self.id}: expected function to be a Python name, got {self.function!r}")
        if not (isinstance(self.points, numbers.Real) and self.points > 0):
            raise ValueError(f"Question {self.id}: expected points > 0, got {self.points!r}")
        if len(self.public_cases) == 0:
            raise ValueError(f"Question {self.id}: expected at least one public case, got none")
        if len(self.mistakes) < 2:
            raise ValueError(f"Question {self.id}: expected at least two catalogued mistakes, got {len(self.mistakes)}")
        for case in self.public_cases:
            if not isinstance(case, Case):
                raise TypeError(f"Question {self.id}: expected public cases of type Case, got {type(case).__name__}")

    @property
    def signature(self) -> str:
        """How the student's function is called, from the reference: "leaky_relu_grad(t, alpha=0.01)"."""
        try:
            params = inspect.signature(self.reference).parameters.values()
        except (TypeError, ValueError):
            return f"{self.function}(...)"
        return f"{self.function}({', '.join(str(p.replace(annotation=inspect.Parameter.empty)) for p in params)})"

    @property
    def first_arg(self) -> str:
        """The name of the first parameter (used in messages: "first at t = 0")."""
        try:
            return next(iter(inspect.signature(self.reference).parameters))
        except (TypeError, ValueError, StopIteration):
            return "input"

    def as_output(self, value, where: str = "reference"):
        """A float64 array, or for several outputs a tuple of them (checked against `outputs`)."""
        if not self.outputs:
            return np.asarray(value, dtype=np.float64)
        if not isinstance(value, (tuple, list)) or len(value) != len(self.outputs):
            raise ValueError(f"Question {self.id}: expected the {where} to return {len(self.outputs)} arrays "
                             f"{self.outputs}, got {type(value).__name__}")
        return tuple(np.asarray(v, dtype=np.float64) for v in value)

    def expected(self, case: Case):
        """The reference output for `case`: a float64 array (or a tuple of them, see `outputs`)."""
        args, kwargs = case.fresh()
        return self.as_output(self.reference(*args, **kwargs))

    def draw_hidden(self, rng: np.random.Generator) -> list[Case]:
        """Hidden cases from the question's generator, checked to be Case objects."""
        cases = list(self.hidden_cases(rng))
        for case in cases:
            if not isinstance(case, Case):
                raise TypeError(f"Question {self.id}: hidden_cases must yield Case objects, got {type(case).__name__}")
        return cases

    def mistake_outputs(self, case: Case) -> list[tuple]:
        """[(mistake, its output on `case`)] (mistakes that fail on it are left out)."""
        out = []
        for mistake in self.mistakes:
            args, kwargs = case.fresh()
            try:
                out.append((mistake, self.as_output(mistake.fn(*args, **kwargs), f"mistake {mistake.name}")))
            except Exception:  # noqa: S112 - a mistake that cannot run on this case just does not match
                continue
        return out


@dataclass(frozen=True)
class Assignment:
    """An assignment: `id` is the solution notebook's name without .ipynb (e.g. "03_activations")."""

    id: str
    title: str
    questions: tuple

    def __post_init__(self):
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"Assignment {self.id}: question ids must be unique, got {ids}")

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise LookupError(f"assignment {self.id} has no question {qid!r}; it has {[q.id for q in self.questions]}")

    @property
    def max_points(self) -> float:
        return float(sum(q.points for q in self.questions))


# --- the registry: every module in bpcourse.grading.assignments -------------

_ASSIGNMENTS: dict[str, Assignment] | None = None
_IMPORT_ERRORS: dict[str, str] = {}


def all_assignments() -> dict[str, Assignment]:
    """{assignment id: Assignment} from every module of bpcourse.grading.assignments that defines ASSIGNMENT."""
    global _ASSIGNMENTS
    if _ASSIGNMENTS is None:
        package = importlib.import_module("bpcourse.grading.assignments")

        found: dict[str, Assignment] = {}
        seen_q: dict[str, str] = {}
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            name = f"{package.__name__}.{info.name}"
            try:
                module = importlib.import_module(name)
            except Exception as err:  # one broken module must not break check() for the others
                _IMPORT_ERRORS[name] = f"{type(err).__name__}: {err}"
                continue
            a = getattr(module, "ASSIGNMENT", None)
            if not isinstance(a, Assignment):
                continue
            if a.id in found:
                raise ValueError(f"grading registry: assignment id {a.id!r} is declared twice (second in {name})")
            for q in a.questions:
                if q.id in seen_q:
                    raise ValueError(f"grading registry: question id {q.id!r} is declared in both "
                                     f"{seen_q[q.id]} and {a.id}")
                seen_q[q.id] = a.id
            found[a.id] = a
        _ASSIGNMENTS = found
    return _ASSIGNMENTS


def import_errors() -> dict[str, str]:
    """Assignment modules that failed to import: {module: error} (empty when all is well)."""
    all_assignments()
    return dict(_IMPORT_ERRORS)


def get_assignment(assignment_id: str) -> Assignment:
    """The assignment called `assignment_id` (the solution notebook's name, e.g. "03_activations")."""
    found = all_assignments()
    if assignment_id not in found:
        extra = f"; modules that failed to import: {_IMPORT_ERRORS}" if _IMPORT_ERRORS else ""
        raise LookupError(f"grading: no assignment {assignment_id!r}; known: {sorted(found)}{extra}")
    return found[assignment_id]


def all_questions() -> dict[str, Question]:
    """{question id: Question} over every assignment."""
    return {q.id: q for a in all_assignments().values() for q in a.questions}


def get_question(qid: str) -> Question:
    """The question with id `qid` (e.g. "03-relu-grad")."""
    found = all_questions()
    if qid not in found:
        extra = f"; modules that failed to import: {_IMPORT_ERRORS}" if _IMPORT_ERRORS else ""
        raise LookupError(f"check: no question {qid!r}; known ids: {sorted(found)}{extra}")
    return found[qid]


# --- values on the wire (parent -> child): JSON-safe, exact -----------------

_WIRE_DTYPES = {"float64": np.float64, "int64": np.int64, "bool": np.bool_}


def encode_value(v):
    """A case argument as JSON-safe data: arrays as {"array": flat list, "shape": [...], "dtype": ...}."""
    if isinstance(v, np.ndarray):
        kind = "bool" if v.dtype == np.bool_ else "int64" if v.dtype.kind in "iu" else "float64"
        return {"array": v.astype(_WIRE_DTYPES[kind]).ravel().tolist(), "shape": list(v.shape), "dtype": kind}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        return float(v)
    raise TypeError(f"encode_value: case arguments must be arrays, numbers or str, got {type(v).__name__}")


def decode_value(v):
    """Inverse of encode_value."""
    if isinstance(v, dict):
        return np.array(v["array"], dtype=_WIRE_DTYPES[v.get("dtype", "float64")]).reshape(v["shape"])
    return v


# --- describing what the student's function returned -----------------------

def _text(x) -> str:
    try:
        s = str(x)
    except Exception:
        s = "<unprintable>"
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + "..."


def describe(out) -> dict:
    """A plain, JSON-safe description of a return value: kind, type, dtype, shape and data (floats)."""
    if out is None:
        return {"kind": "none"}
    if isinstance(out, (bool, np.bool_)):
        return {"kind": "type", "type": "bool"}
    if isinstance(out, np.ndarray):
        if out.dtype.kind not in "biuf":
            return {"kind": "type", "type": f"ndarray of dtype {_text(out.dtype)}"}
        if out.size > MAX_OUTPUT_SIZE:
            return {"kind": "array", "dtype": str(out.dtype), "shape": list(out.shape), "data": None}
        data = np.asarray(out, dtype=np.float64).ravel().tolist()
        return {"kind": "array", "dtype": str(out.dtype), "shape": list(out.shape), "data": data}
    if isinstance(out, numbers.Real):
        return {"kind": "scalar", "type": type(out).__name__, "shape": [], "data": [float(out)]}
    if isinstance(out, (list, tuple)) and any(isinstance(x, (np.ndarray, list, tuple)) for x in out):
        return {"kind": "tuple", "type": type(out).__name__, "length": len(out),
                "items": [_describe_item(x) for x in out[:MAX_ITEMS]]}
    if isinstance(out, (list, tuple)):
        try:
            arr = np.asarray(out, dtype=np.float64)
        except Exception:
            return {"kind": "type", "type": f"{type(out).__name__} (not all numbers)"}
        if arr.size > MAX_OUTPUT_SIZE:
            return {"kind": "sequence", "type": type(out).__name__, "shape": list(arr.shape), "data": None}
        return {"kind": "sequence", "type": type(out).__name__, "shape": list(arr.shape), "data": arr.ravel().tolist()}
    return {"kind": "type", "type": _text(type(out).__name__)}


def _describe_item(x) -> dict:
    """describe() one element of a returned tuple (nested tuples are not followed)."""
    if isinstance(x, (list, tuple)) and any(isinstance(y, (np.ndarray, list, tuple)) for y in x):
        return {"kind": "type", "type": f"{type(x).__name__} of arrays"}
    return describe(x)


def call_and_describe(fn, case: Case) -> dict:
    """Call fn on a fresh copy of the case and describe the result (or the exception, or a signature problem)."""
    args, kwargs = case.fresh()
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        try:
            sig.bind(*args, **kwargs)
        except TypeError as err:
            return {"kind": "signature", "signature": _text(f"{getattr(fn, '__name__', 'fn')}{sig}"),
                    "message": _text(err)}
    try:
        out = fn(*args, **kwargs)
    except BaseException as err:  # noqa: B036 - SystemExit and friends from student code are reported, not obeyed
        if isinstance(err, KeyboardInterrupt):
            raise
        return {"kind": "error", "type": _text(type(err).__name__), "message": _text(err)}
    try:
        return describe(out)
    except Exception as err:
        return {"kind": "type", "type": _text(f"{type(out).__name__} (could not be read: {err})")}


_KINDS = {"none", "type", "array", "scalar", "sequence", "tuple", "error", "signature", "missing"}


def validate_description(d, _nested: bool = False) -> dict | None:
    """Return a clean copy of a description that came from an untrusted process, or None if malformed.

    Only plain str/int/float survive; data must be a list of floats whose length matches the shape.
    """
    if not isinstance(d, dict) or d.get("kind") not in _KINDS:
        return None
    kind = d["kind"]
    clean: dict = {"kind": kind}
    if kind == "tuple":
        items, length = d.get("items"), d.get("length")
        if _nested or type(length) is not int or not isinstance(items, list) or len(items) > MAX_ITEMS \
                or len(items) != min(length, MAX_ITEMS):
            return None
        clean["items"] = [validate_description(x, _nested=True) for x in items]
        if any(x is None for x in clean["items"]):
            return None
        clean["length"] = length
        clean["type"] = str(d.get("type", "tuple"))[:MAX_TEXT]
        return clean
    for key in ("type", "dtype", "message", "signature"):
        if key in d:
            if not isinstance(d[key], str):
                return None
            clean[key] = d[key][:MAX_TEXT]
    if kind in ("array", "scalar", "sequence"):
        shape = d.get("shape")
        if not isinstance(shape, list) or len(shape) > 32 or not all(
                type(s) is int and 0 <= s <= MAX_OUTPUT_SIZE for s in shape):
            return None
        clean["shape"] = list(shape)
        data = d.get("data")
        if data is None:
            clean["data"] = None
        else:
            if not isinstance(data, list) or len(data) != math.prod(shape):
                return None
            if not all(type(x) in (float, int) for x in data):
                return None
            clean["data"] = [float(x) for x in data]
    return clean


# --- comparing and judging ------------------------------------------------------

def format_array(a, precision: int = 4) -> str:
    """Short text for an array in a message (at most a dozen numbers)."""
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        a = a.astype(np.float64)
    if a.ndim == 0:
        return f"{a.item():.{precision}g}" if a.dtype.kind == "f" else str(a.item())
    return np.array2string(a, precision=precision, separator=", ", threshold=12, edgeitems=3, suppress_small=True,
                           max_line_width=100).replace("\n", "")


def close(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    """np.allclose semantics on validated float64 arrays of the same shape: |got - exp| <= atol + rtol |exp|."""
    if got.shape != expected.shape:
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        ok = (got == expected) | (np.abs(got - expected) <= atol + rtol * np.abs(expected))
    return bool(np.all(ok))


@dataclass(frozen=True)
class Verdict:
    """ok; message (empty when ok); mistake: the catalogued mistake's name, or None."""

    ok: bool
    message: str = ""
    mistake: str | None = None


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _ordinal(i: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(i, f"{i}th")


def _common_failure(question: Question, d: dict | None, want: str) -> Verdict | None:
    """The failures that do not depend on the values: no output, an exception, a wrong signature."""
    name = question.function
    if d is None:
        return Verdict(False, f"the grader could not read what {name} returned")
    kind = d["kind"]
    if kind == "missing":
        return Verdict(False, d.get("message", f"{name} is not defined"))
    if kind == "signature":
        return Verdict(False, f"{name} has the wrong signature {d.get('signature', '')} ({d.get('message', '')}); "
                              f"it is called like {question.signature}")
    if kind == "error":
        if d.get("type") == "NotImplementedError":
            return Verdict(False, f"{name} is not implemented yet (it still raises NotImplementedError): "
                                  "replace the `raise NotImplementedError` line with your code")
        hint = (" (only answer cells are graded: define helpers and imports inside the answer cell)"
                if d.get("type") == "NameError" else "")
        return Verdict(False, f"{name} raised {d.get('type')}: {d.get('message', '')}{hint}")
    if kind == "none":
        return Verdict(False, f"{name} returned None: did you forget `return`? Expected {want}")
    return None


def _judge_array(question: Question, case: Case, expected: np.ndarray, d: dict, subject: str,
                 hint: str) -> tuple[Verdict, np.ndarray | None]:
    """(verdict, the output as an array when it could be read) for one array-valued output."""
    want = f"a numpy array of shape {_shape_text(expected.shape)}{hint}"
    kind = d["kind"]
    if kind == "none":
        return Verdict(False, f"{subject} None; expected {want}"), None
    if kind in ("type", "tuple", "error", "signature", "missing"):
        what = f"a {d.get('type')} of {d.get('length')} items" if kind == "tuple" else \
            f"an object of type {d.get('type', kind)}"
        return Verdict(False, f"{subject} {what}; expected {want}"), None
    if kind == "sequence" and not question.allow_sequence:
        return Verdict(False, f"{subject} a {d.get('type')}; expected {want} "
                              "(wrap it in np.array(...) or compute with numpy functions)"), None
    if kind == "array" and d.get("dtype") == "bool":
        return Verdict(False, f"{subject} an array of booleans (dtype bool); expected float numbers "
                              "(convert with .astype(float))"), None
    shape = tuple(d["shape"])
    if shape != expected.shape:
        if kind == "scalar":
            return Verdict(False, f"{subject} a single number; expected {want}"), None
        return Verdict(False, f"{subject} an array of shape {_shape_text(shape)}; expected {want}"), None
    if d["data"] is None:
        return Verdict(False, f"{subject} an array too large to read; expected {want}"), None
    got = np.array(d["data"], dtype=np.float64).reshape(shape)
    if close(got, expected, question.rtol, question.atol):
        return Verdict(True), got
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~((got == expected) | (np.abs(got - expected) <= question.atol + question.rtol * np.abs(expected)))
    idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
    where = ""
    first = case.args[0] if case.args else None
    if isinstance(first, np.ndarray) and first.shape == expected.shape and idx:
        where = f" at {question.first_arg} = {first[idx]:.6g}"
    elif idx:
        where = f" at index {idx}"
    msg = (f"wrong values in {int(bad.sum())} of {bad.size} entries; first{where}: "
           f"expected {expected[idx]:.8g}, got {got[idx]:.8g}")
    if not np.all(np.isfinite(got)):
        msg += " (the output contains nan or inf)"
    return Verdict(False, msg), got


def judge(question: Question, case: Case, expected, d: dict | None, mistake_outputs: Sequence | None = None) -> Verdict:
    """Compare one described output with the expected array(s); explain what is wrong in plain words."""
    name, n = question.function, len(question.outputs)
    hint = f", {question.shape_hint}" if question.shape_hint else ""
    if not n:
        v = _common_failure(question, d, f"a numpy array of shape {_shape_text(expected.shape)}{hint}")
        if v is not None:
            return v
        v, got = _judge_array(question, case, expected, d, f"{name} returned", hint)
        if v.ok or got is None:
            return v
        for mistake, wrong in question.mistake_outputs(case) if mistake_outputs is None else mistake_outputs:
            if wrong.shape == got.shape and close(got, wrong, question.rtol, question.atol):
                return Verdict(False, mistake.message, mistake.name)
        return v

    names = ", ".join(question.outputs)
    v = _common_failure(question, d, f"a tuple of {n} arrays ({names})")
    if v is not None:
        return v
    if d["kind"] != "tuple" or d["length"] != n:
        what = (f"a {d['type']} of {d['length']} items" if d["kind"] == "tuple" else
                f"an array of shape {_shape_text(d['shape'])}" if d["kind"] == "array" else
                f"an object of type {d.get('type', d['kind'])}")
        return Verdict(False, f"{name} returned {what}; expected a tuple of {n} arrays ({names})")
    verdicts = [_judge_array(question, case, exp, item, f"the {_ordinal(i + 1)} output ({out}) is", "")
                for i, (exp, item, out) in enumerate(zip(expected, d["items"], question.outputs))]
    if all(v.ok for v, _ in verdicts):
        return Verdict(True)
    gots = [got for _, got in verdicts]
    if all(got is not None for got in gots):
        for mistake, wrong in question.mistake_outputs(case) if mistake_outputs is None else mistake_outputs:
            if all(w.shape == g.shape and close(g, w, question.rtol, question.atol) for w, g in zip(wrong, gots)):
                return Verdict(False, mistake.message, mistake.name)
    return Verdict(False, "; ".join(f"{out}: {v.message}" if v.message.startswith("wrong values") else v.message
                                    for (v, _), out in zip(verdicts, question.outputs) if not v.ok))


# --- check(): instant feedback in the notebook ------------------------------------

@dataclass
class CheckResult:
    """What check() found: truthy when every public case passed."""

    question: str
    passed: int
    total: int
    messages: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed == self.total

    def __repr__(self) -> str:
        return f"CheckResult({self.question!r}, passed {self.passed}/{self.total})"

    def _ipython_display_(self):
        """check() has printed its report already; showing the result again in a notebook would repeat it."""


def check(question_id, fn) -> CheckResult:
    """Run the public cases of question `question_id` on `fn` and print a verdict per case.

    check("03-relu-grad", relu_grad) prints, for each failing case, the call, what was
    expected, what came back, and the name of the mistake when it is a known one.
    Authors may pass a Question object instead of an id, to try one not yet registered.
    """
    q = question_id if isinstance(question_id, Question) else get_question(question_id)
    question_id = q.id
    if not callable(fn):
        raise TypeError(f"check: expected the function to test, e.g. check({question_id!r}, {q.function}), "
                        f"got {type(fn).__name__}")
    result = CheckResult(question_id, 0, len(q.public_cases))
    for i, case in enumerate(q.public_cases, 1):
        d = validate_description(call_and_describe(fn, case))
        expected = q.expected(case)
        v = judge(q, case, expected, d)
        call = case.call_text(q.function)
        if v.ok:
            result.passed += 1
            print(f"✓ case {i}: {call}")
            continue
        result.messages.append(v.message)
        if d is not None and d["kind"] in ("error", "signature", "missing") and i == 1:
            print(f"✗ {v.message}")  # the same for every case: say it once
            break
        print(f"✗ case {i}: {call}")
        labels = q.outputs or ("",)
        exps = expected if q.outputs else (expected,)
        items = (d.get("items", []) if q.outputs else [d]) if d is not None else []
        for j, (label, exp) in enumerate(zip(labels, exps)):
            print(f"    expected{' ' + label if label else ''}: {format_array(exp)}")
            item = items[j] if j < len(items) else None
            if item is not None and item.get("data") is not None and item["kind"] in ("array", "scalar", "sequence"):
                got = np.array(item["data"]).reshape(item["shape"])
                print(f"    got{' ' + label if label else ''}:      {format_array(got)}")
        print(f"    → {v.message}")
    if result:
        print(f"{q.function}: all {result.total} public cases pass.")
    else:
        print(f"{q.function}: {result.passed} of {result.total} public cases pass.")
    return result
