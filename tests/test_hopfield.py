"""Hopfield network: Hebbian storage, energy, asynchronous vs synchronous recall."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcourse.hopfield import Hopfield


def random_patterns(P, n, seed=0):
    return np.where(np.random.default_rng(seed).random((P, n)) < 0.5, -1.0, 1.0)


def test_hebbian_weights_symmetric_zero_diagonal():
    xi = random_patterns(3, 10)
    net = Hopfield(10).store(xi)
    assert np.allclose(net.W, net.W.T)
    assert np.all(np.diag(net.W) == 0.0)
    expected = xi.T @ xi / 10
    np.fill_diagonal(expected, 0.0)
    assert np.allclose(net.W, expected)
    assert net.n_patterns == 3


def test_store_is_additive():
    xi = random_patterns(4, 12, seed=1)
    a = Hopfield(12).store(xi[:2]).store(xi[2:])
    b = Hopfield(12).store(xi)
    assert np.allclose(a.W, b.W)


def test_energy_formula_and_batch():
    rng = np.random.default_rng(2)
    net = Hopfield(6, theta=rng.normal(size=6)).store(random_patterns(2, 6, seed=3))
    s = random_patterns(5, 6, seed=4)
    e = net.energy(s)
    for i in range(5):
        manual = -0.5 * sum(net.W[p, q] * s[i, p] * s[i, q] for p in range(6) for q in range(6)) \
            + sum(net.theta[p] * s[i, p] for p in range(6))
        assert e[i] == pytest.approx(manual)
    assert np.isscalar(net.energy(s[0])) or np.ndim(net.energy(s[0])) == 0


def random_symmetric_net(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    net = Hopfield(n, theta=rng.normal(scale=0.5, size=n))
    net.W = (A + A.T) / 2
    np.fill_diagonal(net.W, 0.0)
    return net, rng


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 20), seed=st.integers(0, 10_000))
def test_async_updates_never_increase_energy(n, seed):
    net, rng = random_symmetric_net(n, seed)
    s = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    final, energies = net.recall(s, mode="async", rng=seed, trace=True)
    assert np.all(np.diff(energies) <= 1e-12)
    assert net.is_fixed_point(final)


def test_sync_updates_can_oscillate_and_raise_energy():
    # two units with a positive coupling, started anti-aligned: synchronous updates swap them forever
    net = Hopfield(2)
    net.W = np.array([[0.0, 1.0], [1.0, 0.0]])
    s = np.array([1.0, -1.0])
    s1 = net.update_sync(s)
    assert np.array_equal(s1, [-1.0, 1.0])
    assert np.array_equal(net.update_sync(s1), s)
    _, energies = net.recall(s, mode="sync", max_sweeps=10, trace=True)
    assert len(energies) == 11  # never settled
    # asynchronous recall settles in one sweep at a lower energy
    final, e_async = net.recall(s, mode="async", rng=0, trace=True)
    assert net.is_fixed_point(final) and e_async[-1] < e_async[0]


def test_sync_can_increase_energy_example():
    # units 0 and 1 both want to agree with unit 2's opposite; flipping together overshoots
    net = Hopfield(3)
    net.W = np.array([[0.0, 0.0, -1.0], [0.0, 0.0, -2.0], [-1.0, -2.0, 0.0]])
    s = np.array([1.0, -1.0, -1.0])
    assert net.energy(s) == pytest.approx(1.0)
    s1 = net.update_sync(s)
    assert np.array_equal(s1, [1.0, 1.0, 1.0]) and net.energy(s1) == pytest.approx(3.0)


def test_recall_of_corrupted_patterns():
    n, P = 100, 5
    xi = random_patterns(P, n, seed=5)
    net = Hopfield(n).store(xi)
    assert np.all(net.is_fixed_point(xi))
    rng = np.random.default_rng(6)
    noisy = xi.copy()
    for p in range(P):
        flip = rng.choice(n, 15, replace=False)
        noisy[p, flip] *= -1
    recalled = net.recall(noisy, rng=7)
    assert np.array_equal(recalled, xi)


def test_thresholds_shift_the_decision():
    net = Hopfield(2, theta=[0.5, 0.0])
    net.W = np.array([[0.0, 0.4], [0.4, 0.0]])
    # unit 0 sees field 0.4 < theta 0.5: turns off even though its neighbour is on
    assert net.update_sync(np.array([1.0, 1.0]))[0] == -1.0


def test_batch_async_matches_single():
    net, rng = random_symmetric_net(8, 11)
    S = np.where(rng.random((4, 8)) < 0.5, -1.0, 1.0)
    order = np.arange(8)[::-1]
    batch = net.update_async(S, order=order)
    for i in range(4):
        assert np.array_equal(batch[i], net.update_async(S[i], order=order))


@pytest.mark.parametrize("bad, err, text", [
    (np.array([[1.0, 0.0, 1.0]]), ValueError, r"-1 and \+1"),
    (np.ones((2, 4)), ValueError, "shape"),
    ([["a", "b", "c"]], TypeError, "real numbers"),
])
def test_bad_patterns(bad, err, text):
    with pytest.raises(err, match=text):
        Hopfield(3).store(bad)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_units"):
        Hopfield(0)
    with pytest.raises(ValueError, match="theta"):
        Hopfield(3, theta=[0.0, 0.0])
    net = Hopfield(3)
    with pytest.raises(ValueError, match="mode"):
        net.recall(np.ones(3), mode="parallel")
    with pytest.raises(ValueError, match="order"):
        net.update_async(np.ones(3), order=[0, 5])


def test_traced_energies_equal_direct_energies():
    net, rng = random_symmetric_net(7, 12)
    s = np.where(rng.random(7) < 0.5, -1.0, 1.0)
    order = rng.permutation(7)
    _, energies = net.update_async(s, order=order, trace=True)
    state = s.copy()
    for step, i in enumerate(order):
        state = net.update_async(state, order=[i])
        assert energies[step] == pytest.approx(net.energy(state), abs=1e-12)
