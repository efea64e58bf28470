"""bpcourse.chain: the per-weight chain rule and backprop agree, with the counts the book prints."""

import numpy as np
import pytest

from bpcourse.chain import (
    backprop_count,
    backprop_gradient,
    chain_cost,
    chain_forward,
    naive_count,
    naive_gradient,
)
from bpcourse.gradcheck import numerical_gradient, rel_error


def _cost(w, b, x, y, activation="sigmoid"):
    return 0.5 * (chain_forward(w, b, x, activation)["a"][-1] - y) ** 2


@pytest.mark.parametrize("L", [1, 2, 5, 12])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_both_methods_match_numerical_gradient(L, activation):
    gen = np.random.default_rng(L)
    w, b = gen.normal(0, 1.0, L), gen.normal(0, 0.5, L)
    x, y = 0.7, 0.2
    dw_n, db_n, _ = naive_gradient(w, b, x, y, activation)
    dw_b, db_b, _ = backprop_gradient(w, b, x, y, activation)
    num_w = numerical_gradient(lambda _: _cost(w, b, x, y, activation), w)
    num_b = numerical_gradient(lambda _: _cost(w, b, x, y, activation), b)
    for analytic, numeric in ((dw_n, num_w), (dw_b, num_w), (db_n, num_b), (db_b, num_b)):
        # deep sigmoid chains have gradients near 1e-9, where centred differences measure rounding noise
        big = np.abs(numeric) > 1e-6
        assert rel_error(analytic[big], numeric[big]) < 1e-6


@pytest.mark.parametrize("L", [1, 2, 3, 7, 30])
def test_counted_multiplications_match_the_formulas(L):
    gen = np.random.default_rng(0)
    w, b = gen.normal(size=L), gen.normal(size=L)
    assert naive_gradient(w, b, 0.1, 1.0)[2] == naive_count(L) == 2 * L * L + L
    assert backprop_gradient(w, b, 0.1, 1.0)[2] == backprop_count(L) == 3 * L - 1


def test_chain_cost_reports_every_depth():
    out = chain_cost([1, 4, 16], repeats=1)
    assert out["depth"] == [1, 4, 16]
    assert out["naive_mults"] == [naive_count(L) for L in (1, 4, 16)]
    assert out["backprop_mults"] == [backprop_count(L) for L in (1, 4, 16)]
    assert max(out["max_abs_diff"]) < 1e-15
    assert all(s > 0 for s in out["naive_seconds"] + out["backprop_seconds"])


def test_errors_name_the_function():
    with pytest.raises(ValueError, match=r"chain_forward: expected w and b of the same shape"):
        chain_forward([1.0, 2.0], [0.0], 0.5)
    with pytest.raises(ValueError, match=r"naive_count: expected L >= 1"):
        naive_count(0)
    with pytest.raises(TypeError, match=r"chain_forward: expected x to be a real number"):
        chain_forward([1.0], [0.0], "a")
