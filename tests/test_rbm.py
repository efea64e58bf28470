"""RBM: every sign of the energy and the conditionals checked against brute-force enumeration
on tiny models; CD-k against the exact gradient; training against the exact log-likelihood."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcourse.data import bars_and_stripes
from bpcourse.gradcheck import numerical_gradient, rel_error
from bpcourse.rbm import RBM, all_binary, brute_force_log_partition, dbn_features, softplus, train_dbn


def tiny_rbm(nv=4, nh=3, seed=0, scale=1.0):
    rbm = RBM(nv, nh, rng=seed, scale=scale)
    g = np.random.default_rng(seed + 100)
    rbm.params["a"][:] = g.normal(scale=0.5, size=nv)
    rbm.params["b"][:] = g.normal(scale=0.5, size=nh)
    return rbm


def joint_table(rbm):
    """p(v, h) for every (v, h), by the definition exp(-E)/Z, as a (2^nv, 2^nh) table."""
    V, H = all_binary(rbm.n_visible), all_binary(rbm.n_hidden)
    E = np.array([[rbm.energy(v, h)[0] for h in H] for v in V])
    P = np.exp(-E)
    return V, H, P / P.sum()


def test_energy_sign_convention():
    rbm = RBM(2, 1, rng=0)
    rbm.params["W"][:] = [[2.0], [3.0]]
    rbm.params["a"][:] = [0.5, -1.0]
    rbm.params["b"][:] = [0.25]
    # E = -(0.5*1 + -1*1) - 0.25*1 - (2 + 3) = 0.5 - 0.25 - 5
    assert rbm.energy([1.0, 1.0], [1.0])[0] == pytest.approx(-4.75)
    assert rbm.energy([0.0, 0.0], [0.0])[0] == 0.0


def test_conditionals_match_enumeration():
    rbm = tiny_rbm()
    V, H, P = joint_table(rbm)
    for iv, v in enumerate(V):
        p_h = P[iv] / P[iv].sum()                     # p(h | v) for every h
        marg = p_h @ H                                # p(h_j = 1 | v)
        assert np.allclose(rbm.p_h_given_v(v)[0], marg)
        # factorises: p(h|v) = Π_j p(h_j|v)
        q = rbm.p_h_given_v(v)[0]
        prod = np.prod(np.where(H == 1, q, 1 - q), axis=1)
        assert np.allclose(prod, p_h)
    for ih, h in enumerate(H):
        p_v = P[:, ih] / P[:, ih].sum()
        assert np.allclose(rbm.p_v_given_h(h)[0], p_v @ V)


def test_free_energy_sums_out_hidden():
    rbm = tiny_rbm(seed=1)
    H = all_binary(rbm.n_hidden)
    for v in all_binary(rbm.n_visible):
        direct = -np.log(np.sum(np.exp(-rbm.energy(np.tile(v, (len(H), 1)), H))))
        assert rbm.free_energy(v)[0] == pytest.approx(direct)
    V = all_binary(rbm.n_visible)
    for h in H:
        direct = -np.log(np.sum(np.exp(-rbm.energy(V, np.tile(h, (len(V), 1))))))
        assert rbm.free_energy_hidden(h)[0] == pytest.approx(direct)


@pytest.mark.parametrize("nv, nh", [(4, 3), (3, 5), (4, 4)])
def test_log_partition_over_either_layer(nv, nh):
    rbm = tiny_rbm(nv, nh, seed=nv * 10 + nh)
    assert rbm.log_partition() == pytest.approx(brute_force_log_partition(rbm), rel=1e-12)


def test_log_likelihood_is_a_distribution():
    rbm = tiny_rbm(seed=2)
    V = all_binary(rbm.n_visible)
    logp = [rbm.log_likelihood(v) for v in V]
    assert np.sum(np.exp(logp)) == pytest.approx(1.0, rel=1e-12)


def test_log_partition_chunks_large_layer():
    rbm = RBM(300, 15, rng=0, scale=0.1)  # enumerates 2^15 hidden states in chunks
    rbm2 = RBM(15, 300, rng=0, scale=0.1)
    rbm2.params["W"] = rbm.W.T.copy()
    # swapping the layers (and biases, both zero) leaves Z unchanged
    assert rbm.log_partition() == pytest.approx(rbm2.log_partition(), rel=1e-10)


def test_refuses_huge_enumeration():
    rbm = RBM(30, 25, rng=0)
    with pytest.raises(ValueError, match=r"RBM.log_partition: exact enumeration needs 2\*\*25"):
        rbm.log_partition()
    with pytest.raises(ValueError, match="log_likelihood"):
        rbm.log_likelihood(np.zeros((1, 30)))


def test_exact_gradient_matches_numerical():
    rbm = tiny_rbm(seed=3, scale=0.5)
    V = bars_and_stripes(2)  # 6 patterns of 4 pixels
    g = rbm.exact_gradients(V)
    for key in ("W", "a", "b"):
        num = numerical_gradient(lambda _: rbm.log_likelihood(V), rbm.params[key])
        assert rel_error(g[key], num) < 1e-7, key


def test_model_statistics_same_from_either_layer():
    rbm = tiny_rbm(4, 3, seed=4)
    flipped = RBM(3, 4, rng=0)
    flipped.params = {"W": rbm.W.T.copy(), "a": rbm.b.copy(), "b": rbm.a.copy()}
    s, t = rbm.model_statistics(), flipped.model_statistics()  # one enumerates h, the other v
    assert np.allclose(s["W"], t["W"].T) and np.allclose(s["a"], t["b"]) and np.allclose(s["b"], t["a"])


def test_expected_cd_matches_sampled_cd():
    rbm = tiny_rbm(seed=5, scale=0.8)
    V = bars_and_stripes(2)
    big = np.repeat(V, 4000, axis=0)
    for k in (1, 3):
        sampled = rbm.cd_gradients(big, k=k, rng=k)
        expected = rbm.expected_cd_gradients(V, k=k)
        for key in ("W", "a", "b"):
            assert np.max(np.abs(sampled[key] - expected[key])) < 0.02, (k, key)


def test_cd_k_approaches_exact_gradient():
    """The done-criterion: the bias of CD-k shrinks to nothing as k grows."""
    rbm = tiny_rbm(seed=6, scale=1.5)
    V = bars_and_stripes(2)
    exact = rbm.exact_gradients(V)
    flat = np.concatenate([exact[key].ravel() for key in ("W", "a", "b")])

    def err(k):
        g = rbm.expected_cd_gradients(V, k=k)
        return np.linalg.norm(np.concatenate([g[key].ravel() for key in ("W", "a", "b")]) - flat)

    errors = [err(k) for k in (1, 2, 5, 10, 50, 200)]
    assert errors[0] > 0.05 * np.linalg.norm(flat)  # CD-1 is visibly biased here
    assert all(e2 <= e1 + 1e-12 for e1, e2 in zip(errors, errors[1:]))
    assert errors[-1] < 1e-6 * max(1.0, errors[0])


def test_cd_k_sampled_error_shrinks_with_k():
    rbm = tiny_rbm(seed=6, scale=1.5)
    V = np.repeat(bars_and_stripes(2), 3000, axis=0)
    exact = rbm.exact_gradients(V)
    errs = []
    for k in (1, 100):
        g = rbm.cd_gradients(V, k=k, rng=k)
        errs.append(np.linalg.norm(g["W"] - exact["W"]))
    assert errs[1] < 0.5 * errs[0]


@pytest.mark.parametrize("k, persistent", [(1, False), (10, False), (1, True)])
def test_training_raises_exact_log_likelihood(k, persistent):
    """The done-criterion: CD training raises the exact log-likelihood on bars-and-stripes."""
    V = bars_and_stripes(3)  # 14 patterns, 9 pixels
    rbm = RBM(9, 16, rng=0, scale=0.1)
    before = rbm.log_likelihood(V)
    hist = rbm.fit(V, epochs=600, lr=0.1, batch_size=14, k=k, momentum=0.5, persistent=persistent, rng=1,
                   progress=False, callback=lambda epoch, m: m.log_likelihood(V) if epoch % 200 == 199 else None)
    assert before == pytest.approx(-9 * np.log(2), abs=0.1)  # near-uniform start: log(1/512) = -6.24
    lls = hist["callback"]
    assert lls[0] > before and lls[-1] > lls[0]  # rises along the way
    assert lls[-1] > before + 1.5  # log(1/14) = -2.64 is the best possible


def test_fit_history_and_callback():
    V = bars_and_stripes(2)
    rbm = RBM(4, 3, rng=0)
    hist = rbm.fit(V, epochs=5, progress=False, callback=lambda e, m: e * 2, rng=0)
    assert hist["callback"] == [0, 2, 4, 6, 8]
    assert len(hist["reconstruction_error"]) == 5


def test_fit_is_reproducible():
    V = bars_and_stripes(3)
    r1, r2 = RBM(9, 5, rng=3), RBM(9, 5, rng=3)
    r1.fit(V, epochs=3, rng=4, progress=False)
    r2.fit(V, epochs=3, rng=4, progress=False)
    assert np.array_equal(r1.W, r2.W)


def test_fit_progress_bar_runs():
    V = bars_and_stripes(2)
    RBM(4, 2, rng=0).fit(V, epochs=2, progress=True, rng=0)


def test_momentum_pytorch_form():
    V = bars_and_stripes(2)
    rbm = RBM(4, 3, rng=0)
    ref = RBM(4, 3, rng=0)
    rbm.fit(V, epochs=2, lr=0.5, batch_size=6, momentum=0.9, rng=7, progress=False)
    # replay by hand with the same random stream: one batch per epoch
    gen = np.random.default_rng(7)
    vel = {k: np.zeros_like(p) for k, p in ref.params.items()}
    for _ in range(2):
        order = gen.permutation(6)
        g = ref.cd_gradients(V[order], k=1, rng=gen)
        for key in vel:
            vel[key] = 0.9 * vel[key] + g[key]
            ref.params[key] += 0.5 * vel[key]
    assert np.allclose(rbm.W, ref.W) and np.allclose(rbm.a, ref.a) and np.allclose(rbm.b, ref.b)


def test_persistent_chain_moves_on():
    V = bars_and_stripes(2)
    rbm = RBM(4, 3, rng=0)
    assert rbm.chain is None
    rbm.cd_gradients(V, k=1, persistent=True, rng=1)
    first = rbm.chain.copy()
    assert first.shape == V.shape
    # the next negative phase starts from the stored chain, not from the data
    g_pcd = rbm.cd_gradients(V[:2], k=5, persistent=True, rng=3)
    ref = RBM(4, 3, rng=0)
    end = ref.gibbs_chain(first, 5, rng=3)
    assert np.array_equal(rbm.chain, end)
    g_manual = ref.contrastive_gradients(V[:2], end)
    for key in g_pcd:
        assert np.allclose(g_pcd[key], g_manual[key])


def test_fit_persistent_n_chains():
    V = bars_and_stripes(3)
    rbm = RBM(9, 4, rng=0)
    rbm.fit(V, epochs=2, batch_size=7, persistent=True, n_chains=50, rng=0, progress=False)
    assert rbm.chain.shape == (50, 9)
    rbm.fit(V, epochs=1, batch_size=7, persistent=True, rng=0, progress=False)
    assert rbm.chain.shape == (7, 9)


def test_pseudo_likelihood_exact_for_one_bit_conditionals():
    rbm = tiny_rbm(seed=7)
    V, H, P = joint_table(rbm)
    pv = P.sum(axis=1)
    v = V[5:6]
    expected = 0.0
    for i in range(rbm.n_visible):
        flipped = v.copy()
        flipped[0, i] = 1 - flipped[0, i]
        j = int(flipped[0] @ (2 ** np.arange(rbm.n_visible - 1, -1, -1)))
        expected += np.log(pv[5] / (pv[5] + pv[j]))
    assert rbm.pseudo_log_likelihood(v) == pytest.approx(expected)


def test_reconstruction_error_and_transform_shapes():
    V = bars_and_stripes(3)
    rbm = RBM(9, 4, rng=0)
    assert 0.0 <= rbm.reconstruction_error(V) <= 1.0
    assert rbm.transform(V).shape == (14, 4)


def test_run_chain_records():
    rbm = tiny_rbm(seed=8)
    out = rbm.run_chain(np.array([1.0, 0.0, 1.0, 0.0]), n_steps=10, rng=0)
    assert out["v"].shape == (11, 4) and out["h"].shape == (11, 3)
    assert np.allclose(out["energy"], rbm.energy(out["v"], out["h"]))
    assert np.allclose(out["free_energy"], rbm.free_energy(out["v"]))
    assert np.array_equal(out["v"][0], [1.0, 0.0, 1.0, 0.0])


def test_dbn_stack():
    V = bars_and_stripes(3)
    rbms = train_dbn(V, [6, 4], rng=0, epochs=3, progress=False)
    assert [r.n_hidden for r in rbms] == [6, 4] and rbms[1].n_visible == 6
    assert dbn_features(rbms, V).shape == (14, 4)


@settings(max_examples=30, deadline=None)
@given(t=st.floats(-800, 800))
def test_softplus_stable(t):
    val = softplus(t)
    assert np.isfinite(val) and val >= 0.0 and val >= t


def test_all_binary_counts():
    B = all_binary(3)
    assert B.shape == (8, 3)
    assert {tuple(r) for r in B} == set(itertools.product([0.0, 1.0], repeat=3))


# ---- bad input ----------------------------------------------------------------
def test_non_binary_data_rejected():
    rbm = RBM(4, 2, rng=0)
    with pytest.raises(ValueError, match=r"RBM.cd_gradients: expected v to be binary.*0.5"):
        rbm.cd_gradients(np.full((2, 4), 0.5))
    with pytest.raises(ValueError, match="RBM.fit: expected v to be binary"):
        rbm.fit(np.array([[0.0, 1.0, 2.0, 0.0]]), progress=False)
    with pytest.raises(ValueError, match="RBM.log_likelihood: expected v to be binary"):
        rbm.log_likelihood(np.full((1, 4), 0.3))
    with pytest.raises(ValueError, match=r"RBM.p_h_given_v: expected v in \[0, 1\]"):
        rbm.p_h_given_v(np.full((1, 4), 3.0))


def test_wrong_widths_rejected():
    rbm = RBM(4, 2, rng=0)
    with pytest.raises(ValueError, match=r"RBM.free_energy: expected v of shape \(N, 4\) or \(4,\), got \(2, 5\)"):
        rbm.free_energy(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"RBM.p_v_given_h: expected h of shape \(N, 2\)"):
        rbm.p_v_given_h(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="same number of rows"):
        rbm.energy(np.zeros((2, 4)), np.zeros((3, 2)))


def test_bad_k_and_hyperparameters_rejected():
    rbm = RBM(4, 2, rng=0)
    V = bars_and_stripes(2)
    with pytest.raises(ValueError, match="RBM.cd_gradients: expected k >= 1, got 0"):
        rbm.cd_gradients(V, k=0)
    with pytest.raises(TypeError, match="k to be an integer"):
        rbm.cd_gradients(V, k=1.5)
    with pytest.raises(ValueError, match="RBM.fit: expected k >= 1"):
        rbm.fit(V, k=0, progress=False)
    with pytest.raises(ValueError, match="momentum"):
        rbm.fit(V, momentum=1.0, progress=False)
    with pytest.raises(TypeError, match="rng"):
        RBM(4, 2, rng="seed")
    with pytest.raises(ValueError, match="n_hidden"):
        RBM(4, 0)


@settings(max_examples=25, deadline=None)
@given(nv=st.integers(1, 5), nh=st.integers(1, 5), seed=st.integers(0, 10_000), scale=st.floats(0.1, 3.0))
def test_property_partition_and_free_energy(nv, nh, seed, scale):
    rbm = tiny_rbm(nv, nh, seed=seed, scale=scale)
    # log Z from the smaller layer equals the literal double sum
    assert rbm.log_partition() == pytest.approx(brute_force_log_partition(rbm), rel=1e-10, abs=1e-10)
    # p(v) from the free energy sums to one over all v
    assert np.exp([rbm.log_likelihood(v) for v in all_binary(nv)]).sum() == pytest.approx(1.0, rel=1e-10)
    # the factorised conditional equals the ratio of joint probabilities
    v = all_binary(nv)[seed % 2 ** nv]
    H = all_binary(nh)
    w = np.exp(-rbm.energy(np.tile(v, (len(H), 1)), H))
    assert np.allclose(rbm.p_h_given_v(v)[0], (w / w.sum()) @ H)


def test_inner_loop_sigmoid_equals_package_sigmoid():
    """fit's unchecked inner loop must give exactly what the checked public functions give."""
    from bpcourse.activations import sigmoid
    from bpcourse.rbm import _sigmoid
    t = np.concatenate([np.random.default_rng(0).normal(scale=s, size=1000) for s in (1.0, 30.0, 800.0)]
                       + [np.array([0.0, -0.0, 1e-300, -1e-300, 745.0, -745.0])])
    assert np.array_equal(_sigmoid(t), sigmoid(t))
