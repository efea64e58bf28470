"""Assignment 04: Hopfield weights and energy, RBM conditionals, free energy, CD gradients.

References come from bpcourse.hopfield and bpcourse.rbm.  The catalogued mistakes
are the ones that are easy to make with energy models (several appear in the
course's own source material): the sign inside the sigmoid of p(h|v), a
self-connection left on the Hopfield diagonal, the missing 1/2 of the pair sum,
hidden samples used where the statistics need probabilities.
"""

from __future__ import annotations

import numpy as np

from bpcourse.activations import sigmoid
from bpcourse.grading.core import Assignment, Case, Mistake, Question
from bpcourse.hopfield import Hopfield
from bpcourse.rbm import RBM, softplus

# --- references, called exactly like the student's functions ---------------------------


def hebbian_weights(patterns):
    """W = (1/N) Σ_μ ξ^μ ξ^μᵀ with w_ii = 0.  patterns: (P, N) of ±1 -> (N, N)."""
    return Hopfield(patterns.shape[1]).store(patterns).W


def hopfield_energy(W, theta, s):
    """E(s) = -1/2 sᵀWs + θᵀs for each row of s (B, N) -> (B,)."""
    net = Hopfield(W.shape[0], theta=theta)
    net.W = np.asarray(W, dtype=float)
    return net.energy(s)


def _rbm(W, a=None, b=None):
    rbm = RBM(W.shape[0], W.shape[1], rng=0)
    rbm.params = {"W": np.asarray(W, dtype=float),
                  "a": np.zeros(W.shape[0]) if a is None else np.asarray(a, dtype=float),
                  "b": np.zeros(W.shape[1]) if b is None else np.asarray(b, dtype=float)}
    return rbm


def p_h_given_v(v, W, b):
    """p(h_j = 1 | v) = σ(b_j + Σ_i v_i W_ij).  v: (N, nv) -> (N, nh)."""
    return _rbm(W, b=b).p_h_given_v(v)


def p_v_given_h(h, W, a):
    """p(v_i = 1 | h) = σ(a_i + Σ_j W_ij h_j).  h: (N, nh) -> (N, nv)."""
    return _rbm(W, a=a).p_v_given_h(h)


def free_energy(v, W, a, b):
    """F(v) = -aᵀv - Σ_j softplus(b_j + (vW)_j).  v: (N, nv) -> (N,)."""
    return _rbm(W, a, b).free_energy(v)


def cd_gradients(v0, h0, vk, W, a, b):
    """(dW, da, db) = data statistics minus chain-end statistics, with p(h|v) for h, averaged over rows."""
    g = _rbm(W, a, b).contrastive_gradients(v0, vk)
    return g["W"], g["a"], g["b"]


# --- cases -----------------------------------------------------------------------------

def _bipolar(rng, shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def _binary(rng, shape):
    return (rng.random(shape) < 0.5).astype(float)


XI = np.array([[1.0, -1.0, 1.0, -1.0, 1.0], [1.0, 1.0, -1.0, -1.0, 1.0]])
XI3 = np.array([[1.0, 1.0, 1.0, -1.0], [-1.0, 1.0, -1.0, 1.0], [1.0, -1.0, -1.0, -1.0]])


def _hebb_hidden(rng):
    cases = []
    for _ in range(3):
        P, N = int(rng.integers(1, 5)), int(rng.integers(5, 12))
        cases.append(Case((_bipolar(rng, (P, N)),)))
    return cases


W4 = np.array([[0.0, 0.5, -0.25, 1.0], [0.5, 0.0, 0.75, -0.5], [-0.25, 0.75, 0.0, 0.25], [1.0, -0.5, 0.25, 0.0]])
S4 = np.array([[1.0, -1.0, 1.0, 1.0], [-1.0, -1.0, 1.0, -1.0], [1.0, 1.0, 1.0, 1.0]])


def _symmetric(rng, n):
    A = rng.normal(size=(n, n))
    W = (A + A.T) / 2
    np.fill_diagonal(W, 0.0)
    return W


def _energy_hidden(rng):
    cases = []
    for _ in range(3):
        n = int(rng.integers(3, 9))
        cases.append(Case((_symmetric(rng, n), rng.normal(size=n), _bipolar(rng, (int(rng.integers(1, 5)), n)))))
    return cases


# a 3-visible, 2-hidden RBM used by the public cases
WR = np.array([[1.0, -2.0], [0.5, 0.25], [-1.5, 1.0]])
AR = np.array([0.2, -0.3, 0.1])
BR = np.array([-0.5, 0.4])
VR = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
HR = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])


def _rbm_sizes(rng):
    return int(rng.integers(2, 8)), int(rng.integers(2, 6)), int(rng.integers(1, 6))


def _ph_hidden(rng):
    cases = []
    for _ in range(3):
        nv, nh, n = _rbm_sizes(rng)
        cases.append(Case((_binary(rng, (n, nv)), rng.normal(size=(nv, nh)), rng.normal(size=nh))))
    return cases


def _pv_hidden(rng):
    cases = []
    for _ in range(3):
        nv, nh, n = _rbm_sizes(rng)
        cases.append(Case((_binary(rng, (n, nh)), rng.normal(size=(nv, nh)), rng.normal(size=nv))))
    return cases


def _fe_hidden(rng):
    cases = []
    for _ in range(3):
        nv, nh, n = _rbm_sizes(rng)
        cases.append(Case((_binary(rng, (n, nv)), rng.normal(size=(nv, nh)), rng.normal(size=nv),
                           rng.normal(size=nh))))
    return cases


H0 = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
VK = np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])


def _cd_hidden(rng):
    cases = []
    for _ in range(3):
        nv, nh, n = _rbm_sizes(rng)
        n += 1
        cases.append(Case((_binary(rng, (n, nv)), _binary(rng, (n, nh)), _binary(rng, (n, nv)),
                           rng.normal(size=(nv, nh)), rng.normal(size=nv), rng.normal(size=nh))))
    return cases


# --- the questions -----------------------------------------------------------------------

HEBB = Question(
    id="04-hebbian-weights", function="hebbian_weights", points=1, title="Hopfield: Hebbian weights",
    reference=hebbian_weights,
    public_cases=(Case((XI,)), Case((XI3,))),
    hidden_cases=_hebb_hidden,
    shape_hint="(N, N), N = patterns.shape[1]",
    mistakes=(
        Mistake("hebb-diagonal-kept", lambda patterns: patterns.T @ patterns / patterns.shape[1],
                "your diagonal is not zero: a Hopfield net has no self-connections (w_ii = 0); "
                "set it with np.fill_diagonal(W, 0) after summing the outer products"),
        Mistake("hebb-divide-by-P",
                lambda patterns: (lambda W: W - np.diag(np.diag(W)))(patterns.T @ patterns / patterns.shape[0]),
                "you divided by the number of patterns P; the Hebb rule here divides by the number of units N"),
        Mistake("hebb-no-normalisation",
                lambda patterns: (lambda W: W - np.diag(np.diag(W)))(patterns.T @ patterns),
                "you forgot the factor 1/N in front of the sum of outer products"),
    ),
)

HOP_ENERGY = Question(
    id="04-hopfield-energy", function="hopfield_energy", points=1, title="Hopfield: energy",
    reference=hopfield_energy,
    public_cases=(Case((W4, np.zeros(4), S4)), Case((W4, np.array([0.5, -0.5, 0.0, 1.0]), S4))),
    hidden_cases=_energy_hidden,
    shape_hint="(B,), one energy per row of s",
    mistakes=(
        Mistake("hop-energy-no-half", lambda W, theta, s: -np.sum((s @ W) * s, axis=1) + s @ theta,
                "you forgot the factor 1/2: the double sum over i, j counts every pair twice"),
        Mistake("hop-energy-sign", lambda W, theta, s: 0.5 * np.sum((s @ W) * s, axis=1) - s @ theta,
                "your energy has the wrong sign: E = -1/2 sᵀWs + θᵀs, so states that agree with W have LOW energy"),
        Mistake("hop-energy-threshold-sign", lambda W, theta, s: -0.5 * np.sum((s @ W) * s, axis=1) - s @ theta,
                "the threshold term has the wrong sign: it is +θᵀs (a unit with a high threshold pays energy "
                "for being on)"),
    ),
)

P_H = Question(
    id="04-p-h-given-v", function="p_h_given_v", points=1, title="RBM: p(h = 1 | v)",
    reference=p_h_given_v,
    public_cases=(Case((VR, WR, BR)), Case((VR[:1], WR, np.zeros(2)))),
    hidden_cases=_ph_hidden,
    shape_hint="(N, n_hidden)",
    mistakes=(
        Mistake("p-h-sign", lambda v, W, b: sigmoid(-(v @ W + b)),
                "the sign inside the sigmoid is wrong: E1 - E0 = -(b_j + Σ_i v_i W_ij), so "
                "p(h_j = 1 | v) = σ(+b_j + Σ_i v_i W_ij)"),
        Mistake("p-h-no-bias", lambda v, W, b: sigmoid(v @ W),
                "you left out the hidden bias b"),
        Mistake("p-h-states", lambda v, W, b: (v @ W + b > 0).astype(float),
                "you returned binary states (0/1); the question asks for the probabilities σ(b + vW)"),
    ),
)

P_V = Question(
    id="04-p-v-given-h", function="p_v_given_h", points=1, title="RBM: p(v = 1 | h)",
    reference=p_v_given_h,
    public_cases=(Case((HR, WR, AR)), Case((HR[:1], WR, np.zeros(3)))),
    hidden_cases=_pv_hidden,
    shape_hint="(N, n_visible)",
    mistakes=(
        Mistake("p-v-sign", lambda h, W, a: sigmoid(-(h @ W.T + a)),
                "the sign inside the sigmoid is wrong: p(v_i = 1 | h) = σ(+a_i + Σ_j W_ij h_j)"),
        Mistake("p-v-no-bias", lambda h, W, a: sigmoid(h @ W.T),
                "you left out the visible bias a"),
        Mistake("p-v-states", lambda h, W, a: (h @ W.T + a > 0).astype(float),
                "you returned binary states (0/1); the question asks for the probabilities σ(a + hWᵀ)"),
    ),
)

FREE = Question(
    id="04-free-energy", function="free_energy", points=1, title="RBM: free energy F(v)",
    reference=free_energy,
    public_cases=(Case((VR, WR, AR, BR)), Case((VR, WR, np.zeros(3), np.zeros(2)))),
    hidden_cases=_fe_hidden,
    shape_hint="(N,), one free energy per row of v",
    mistakes=(
        Mistake("free-energy-sign", lambda v, W, a, b: v @ a + np.sum(softplus(v @ W + b), axis=1),
                "you returned -F(v) (the log of the unnormalised probability); F(v) = -aᵀv - Σ_j log(1 + e^{u_j})"),
        Mistake("free-energy-no-visible-bias", lambda v, W, a, b: -np.sum(softplus(v @ W + b), axis=1),
                "you left out the visible-bias term -aᵀv"),
        Mistake("free-energy-mean-field",
                lambda v, W, a, b: (lambda p: -(v @ a) - p @ b - np.sum((v @ W) * p, axis=1))(sigmoid(v @ W + b)),
                "you computed the energy E(v, h) at h = p(h|v); the free energy sums e^{-E} over all h, "
                "which gives -aᵀv - Σ_j log(1 + e^{b_j + (vW)_j})"),
        Mistake("free-energy-softplus-sign",
                lambda v, W, a, b: -(v @ a) - np.sum(softplus(-(v @ W + b)), axis=1),
                "inside the log you used e^{-u_j}; summing h_j over {0, 1} gives 1 + e^{+u_j}, "
                "u_j = b_j + Σ_i v_i W_ij"),
    ),
)


def _cd_samples_mistake(v0, h0, vk, W, a, b):
    pk = sigmoid(vk @ W + b)
    n = v0.shape[0]
    return v0.T @ h0 / n - vk.T @ pk / n, v0.mean(0) - vk.mean(0), h0.mean(0) - pk.mean(0)


def _cd_sign_mistake(v0, h0, vk, W, a, b):
    dW, da, db = cd_gradients(v0, h0, vk, W, a, b)
    return -dW, -da, -db


def _cd_sum_mistake(v0, h0, vk, W, a, b):
    dW, da, db = cd_gradients(v0, h0, vk, W, a, b)
    n = v0.shape[0]
    return n * dW, n * da, n * db


CD = Question(
    id="04-cd-gradients", function="cd_gradients", points=2, title="RBM: CD-k gradients",
    reference=cd_gradients,
    public_cases=(Case((VR, H0, VK, WR, AR, BR)), Case((VR[:2], H0[:2], VK[:2], WR, np.zeros(3), np.zeros(2)))),
    hidden_cases=_cd_hidden,
    outputs=("dW", "da", "db"),
    shape_hint="dW like W, da like a, db like b",
    mistakes=(
        Mistake("cd-samples-for-probabilities", _cd_samples_mistake,
                "you used the hidden sample h0 in the data statistics; the statistics use the probabilities "
                "p(h|v0) (the sample only drives the chain)"),
        Mistake("cd-sign", _cd_sign_mistake,
                "your gradients have the wrong sign: data statistics minus model (chain-end) statistics"),
        Mistake("cd-no-batch-mean", _cd_sum_mistake,
                "you summed over the batch; average over the N rows instead"),
    ),
)

ASSIGNMENT = Assignment(
    id="04_rbm",
    title="Hopfield networks and RBMs",
    questions=(HEBB, HOP_ENERGY, P_H, P_V, FREE, CD),
)
