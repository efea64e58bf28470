"""check(): the registry's questions, and the plain-language message for each way an answer goes wrong."""

from __future__ import annotations

import numpy as np
import pytest

from bpcourse import activations as act
from bpcourse.grading import Mistake, Question, all_assignments, all_questions, check, get_question
from bpcourse.grading.core import (
    Case,
    call_and_describe,
    close,
    decode_value,
    encode_value,
    import_errors,
    judge,
    validate_description,
)

QUESTIONS = sorted(all_questions())


def test_every_assignment_module_imports():
    assert import_errors() == {}
    assert "03_activations" in all_assignments()


@pytest.mark.parametrize("qid", QUESTIONS)
def test_reference_passes_check(qid, capsys):
    q = get_question(qid)
    result = check(qid, q.reference)
    out = capsys.readouterr().out
    assert result, out
    assert result.passed == result.total == len(q.public_cases)
    assert "✗" not in out


@pytest.mark.parametrize("qid", QUESTIONS)
def test_each_catalogued_mistake_is_named_by_check(qid, capsys):
    q = get_question(qid)
    assert len(q.mistakes) >= 2
    for mistake in q.mistakes:
        result = check(qid, mistake.fn)
        out = capsys.readouterr().out
        assert not result, f"{mistake.name} passes every public case of {qid}; add a case that tells them apart"
        assert mistake.message in out, f"{mistake.name} of {qid} is not named by check():\n{out}"


@pytest.mark.parametrize("qid", QUESTIONS)
def test_hidden_cases_are_reproducible_and_the_reference_runs_on_them(qid):
    q = get_question(qid)
    a = q.draw_hidden(np.random.default_rng(7))
    b = q.draw_hidden(np.random.default_rng(7))
    assert len(a) >= 1
    for ca, cb in zip(a, b):
        assert ca.call_text(q.function) == cb.call_text(q.function)
        expected = q.expected(ca)
        assert all(np.all(np.isfinite(e)) for e in (expected if q.outputs else (expected,)))
        # the wire format round-trips the inputs exactly
        for v in ca.args:
            back = decode_value(encode_value(v))
            assert np.array_equal(np.asarray(back), np.asarray(v)) and type(back) is type(v)


def test_leaky_relu_minus_alpha_is_named(capsys):
    result = check("03-leaky-relu-grad", lambda t, alpha=0.01: np.where(t > 0, 1.0, -alpha))
    out = capsys.readouterr().out
    assert not result
    assert "your Leaky ReLU derivative returns −α for t < 0; the slope there is +α" in out
    assert "expected:" in out and "got:" in out


def _out(capsys, fn, qid="03-relu-grad"):
    result = check(qid, fn)
    assert not result
    return capsys.readouterr().out


def test_not_implemented_is_said_once(capsys):
    def relu_grad(t):
        raise NotImplementedError

    out = _out(capsys, relu_grad)
    assert out.count("not implemented yet") == 1
    assert "Traceback" not in out


def test_exception_shows_type_and_message_not_a_traceback(capsys):
    out = _out(capsys, lambda t: t[100])
    assert "relu_grad raised IndexError: index 100 is out of bounds" in out
    assert "Traceback" not in out


def test_none_list_bool_scalar_and_shape(capsys):
    assert "returned None: did you forget `return`?" in _out(capsys, lambda t: None)
    assert "returned a list; expected a numpy array of shape (5,)" in _out(capsys, lambda t: list(t))
    assert "array of booleans (dtype bool)" in _out(capsys, lambda t: t > 0)
    assert "returned a single number; expected a numpy array of shape (5,)" in _out(capsys, lambda t: 1.0)
    assert "returned an array of shape (6,); expected a numpy array of shape (2, 3), the same shape as t" in _out(
        capsys, lambda t: (t.ravel() > 0).astype(float))
    assert "returned an object of type str" in _out(capsys, lambda t: "0 0 0 1 1")
    assert "ndarray of dtype object" in _out(capsys, lambda t: np.array([None] * t.size))


def test_wrong_signature(capsys):
    out = _out(capsys, lambda t, alpha: t, qid="03-relu-grad")
    assert "wrong signature" in out and "alpha" in out
    out = _out(capsys, lambda t: t, qid="03-leaky-relu-grad")
    assert "wrong signature" in out and "alpha" in out


def test_unknown_value_mistake_points_at_the_first_bad_entry(capsys):
    out = _out(capsys, lambda t: (t > 0).astype(float) + (t < -1))
    assert "wrong values in 1 of 5 entries; first at t = -2: expected 0, got 1" in out


def test_nan_is_reported(capsys):
    out = _out(capsys, lambda t: np.full(t.shape, np.nan))
    assert "nan or inf" in out


def test_sequence_accepted_only_where_allowed(capsys):
    ref = get_question("03-selu-moments").reference
    assert check("03-selu-moments", lambda a, lam: tuple(ref(a, lam)))
    capsys.readouterr()


def test_check_refuses_unknown_ids_and_non_functions():
    with pytest.raises(LookupError, match="no question 'nope'"):
        check("nope", act.relu_grad)
    with pytest.raises(TypeError, match="expected the function to test"):
        check("03-relu-grad", 3)


def test_input_mutation_does_not_spoil_later_cases(capsys):
    def relu_grad(t):
        out = (t > 0).astype(float)
        t[...] = 99.0  # writes into its input
        return out

    assert check("03-relu-grad", relu_grad)
    capsys.readouterr()


# --- the pieces the grader's parent relies on -------------------------------------------

def test_validate_description_keeps_only_plain_numbers():
    good = {"kind": "array", "dtype": "float64", "shape": [2], "data": [1.0, 2]}
    assert validate_description(good)["data"] == [1.0, 2.0]
    for bad in [None, [], {"kind": "eval"}, {"kind": "array", "shape": [2], "data": [1.0]},
                {"kind": "array", "shape": [2], "data": [True, 1.0]}, {"kind": "array", "shape": [2], "data": ["1", 2]},
                {"kind": "array", "shape": [-1], "data": []}, {"kind": "array", "shape": "2", "data": [1, 2]},
                {"kind": "array", "shape": [1], "data": [{"__eq__": 1}]}, {"kind": "error", "type": 3}]:
        assert validate_description(bad) is None, bad


def test_close_is_strict_on_shape_and_nan():
    a = np.array([1.0, 2.0])
    assert close(a, a + 1e-9, 1e-6, 1e-9)
    assert not close(a, a + 1e-3, 1e-6, 1e-9)
    assert not close(np.array([np.nan, 2.0]), a, 1e-6, 1e-9)
    assert not close(a.reshape(1, 2), a, 1e-6, 1e-9)


def test_objects_that_claim_equality_are_not_numbers():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    q = get_question("03-relu-grad")
    case = q.public_cases[0]
    d = validate_description(call_and_describe(lambda t: AlwaysEqual(), case))
    assert d == {"kind": "type", "type": "AlwaysEqual"}
    assert not judge(q, case, q.expected(case), d).ok


def test_wire_format_keeps_integer_and_boolean_arrays():
    for v in [np.array([[1, 2], [3, 4]]), np.array([True, False]), np.zeros((0, 3)), np.float64(2.5), 3, "mean"]:
        back = decode_value(encode_value(v))
        assert np.array_equal(np.asarray(back), np.asarray(v)) and np.asarray(back).dtype == np.asarray(v).dtype


def test_case_text():
    assert Case((np.array([1.0, -1.0]),), {"alpha": 0.5}).call_text("f") == "f([ 1., -1.], alpha=0.5)"


# --- a question whose function returns several arrays ------------------------------------

def _dense_backward(x, W, dout):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]])
W = np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]])
DOUT = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0], [-1.0, 1.0, 0.0]])
MULTI = Question(
    id="99-dense-backward", function="dense_backward", points=1, reference=_dense_backward,
    public_cases=(Case((X, W, DOUT)),), hidden_cases=lambda rng: [],
    outputs=("dx", "dW", "db"),
    mistakes=(Mistake("db-mean", lambda x, W, dout: (dout @ W.T, x.T @ dout, dout.mean(axis=0)),
                      "db sums dout over the batch; you averaged it"),
              Mistake("dW-transposed", lambda x, W, dout: (dout @ W.T, (x.T @ dout).T, dout.sum(axis=0)),
                      "dW has the shape of W"),),
)


def test_several_outputs(capsys):
    assert check(MULTI, _dense_backward)
    out = capsys.readouterr().out
    assert "all 1 public cases pass" in out
    assert not check(MULTI, MULTI.mistakes[0].fn)
    assert "db sums dout over the batch; you averaged it" in capsys.readouterr().out
    assert not check(MULTI, lambda x, W, dout: (dout @ W.T, x.T @ dout))
    assert "returned a tuple of 2 items; expected a tuple of 3 arrays (dx, dW, db)" in capsys.readouterr().out
    assert not check(MULTI, lambda x, W, dout: (dout @ W.T, x.T @ dout * 2, [1.0, 2.0, 3.0]))
    out = capsys.readouterr().out
    assert "dW: wrong values in" in out and "; the 3rd output (db) is a list" in out
    assert "expected dW:" in out and "got dW:" in out
    assert not check(MULTI, lambda x, W, dout: dout @ W.T)
    assert "returned an array of shape (3, 2); expected a tuple of 3 arrays" in capsys.readouterr().out
