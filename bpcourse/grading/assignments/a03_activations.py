"""Assignment 03: derivatives of the ReLU family and Swish, and SELU's fixed point.

References come from bpcourse.activations; each question lists the mistakes
students actually make (several appear in the course's own source material,
e.g. a Leaky ReLU slope of -alpha).
"""

from __future__ import annotations

import math

import numpy as np

from bpcourse import activations as act
from bpcourse.grading.core import Assignment, Case, Mistake, Question

# --- case generators -----------------------------------------------------------

T1 = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
T2 = np.array([[-3.0, 0.0, 1.5], [0.25, -0.1, 4.0]])
T3 = np.array([-6.0, -1.0, 0.0, 1.0, 6.0])


def random_t(rng: np.random.Generator) -> np.ndarray:
    """A random array of pre-activations: 1 to 3 dimensions, normal values with exact zeros sprinkled in."""
    ndim = int(rng.integers(1, 4))
    shape = tuple(int(s) for s in rng.integers(2, 7, size=ndim))
    t = rng.normal(0.0, 3.0, size=shape)
    flat = t.reshape(-1)
    flat[rng.choice(flat.size, size=max(1, flat.size // 6), replace=False)] = 0.0
    return t


def t_cases(**param_ranges):
    """Hidden-case generator: 4 random arrays t, each with parameters drawn uniformly from the given ranges."""
    def draw(rng: np.random.Generator) -> list[Case]:
        return [Case((random_t(rng),), {k: float(rng.uniform(lo, hi)) for k, (lo, hi) in param_ranges.items()})
                for _ in range(4)]
    return draw


def _sig(x):
    return act.sigmoid(x)


# --- the questions -----------------------------------------------------------------

RELU = Question(
    id="03-relu-grad", function="relu_grad", points=1, title="ReLU'(t)",
    reference=act.relu_grad,
    public_cases=(Case((T1,)), Case((T2,))),
    hidden_cases=t_cases(),
    shape_hint="the same shape as t",
    mistakes=(
        Mistake("relu-grad-one-at-zero", lambda t: (t >= 0).astype(float),
                "your ReLU derivative returns 1 at t = 0; the course takes the t ≤ 0 branch there "
                "(ReLU'(0) = 0, as PyTorch does): use t > 0"),
        Mistake("relu-grad-returns-relu", lambda t: np.maximum(t, 0.0),
                "you returned ReLU(t) itself; its derivative is 1 where t > 0 and 0 elsewhere"),
        Mistake("relu-grad-half-at-zero", lambda t: np.heaviside(t, 0.5),
                "your ReLU derivative returns 1/2 at t = 0; the course convention is ReLU'(0) = 0"),
        Mistake("relu-grad-sign", lambda t: np.sign(t),
                "you returned sign(t), which is -1 for t < 0; ReLU is flat there, so its slope is 0"),
    ),
)

LEAKY = Question(
    id="03-leaky-relu-grad", function="leaky_relu_grad", points=1, title="LeakyReLU'(t)",
    reference=act.leaky_relu_grad,
    public_cases=(Case((T1,), {"alpha": 0.1}), Case((T2,), {"alpha": 0.2})),
    hidden_cases=t_cases(alpha=(0.02, 0.5)),
    shape_hint="the same shape as t",
    mistakes=(
        Mistake("leaky-grad-minus-alpha", lambda t, alpha=0.01: np.where(t > 0, 1.0, -alpha),
                "your Leaky ReLU derivative returns −α for t < 0; the slope there is +α "
                "(the function α·t rises with t)"),
        Mistake("leaky-grad-fixed-alpha", lambda t, alpha=0.01: np.where(t > 0, 1.0, 0.01),
                "you used α = 0.01 whatever alpha was passed; use the argument alpha"),
        Mistake("leaky-grad-value", lambda t, alpha=0.01: np.where(t > 0, 1.0, alpha * t),
                "for t ≤ 0 you returned α·t, the value of Leaky ReLU; its derivative there is the constant α"),
        Mistake("leaky-grad-one-at-zero", lambda t, alpha=0.01: np.where(t >= 0, 1.0, alpha),
                "your derivative returns 1 at t = 0; the course takes the t ≤ 0 branch there "
                "(LeakyReLU'(0) = α): use t > 0"),
    ),
)

ELU = Question(
    id="03-elu-grad", function="elu_grad", points=1, title="ELU'(t)",
    reference=act.elu_grad,
    public_cases=(Case((T1,), {"alpha": 1.0}), Case((T2,), {"alpha": 0.5})),
    hidden_cases=t_cases(alpha=(0.3, 2.0)),
    shape_hint="the same shape as t",
    mistakes=(
        Mistake("elu-grad-no-alpha", lambda t, alpha=1.0: np.where(t > 0, 1.0, np.exp(np.minimum(t, 0))),
                "for t ≤ 0 you returned e^t; the derivative of α(e^t − 1) is α·e^t: multiply by alpha"),
        Mistake("elu-grad-value", lambda t, alpha=1.0: np.where(t > 0, 1.0, alpha * np.expm1(np.minimum(t, 0))),
                "for t ≤ 0 you returned α(e^t − 1), the value of ELU; its derivative is α·e^t (= ELU(t) + α)"),
        Mistake("elu-grad-one-at-zero", lambda t, alpha=1.0: np.where(t >= 0, 1.0, alpha * np.exp(np.minimum(t, 0))),
                "your derivative returns 1 at t = 0; the course takes the t ≤ 0 branch there (ELU'(0) = α)"),
        Mistake("elu-grad-plus-alpha-everywhere", lambda t, alpha=1.0: act.elu(t, alpha) + alpha,
                "you returned ELU(t) + α for every t; that form of the derivative holds only for t ≤ 0 — "
                "for t > 0 ELU(t) = t, whose slope is 1"),
    ),
)

SELU = Question(
    id="03-selu-grad", function="selu_grad", points=1, title="SELU'(t)",
    reference=act.selu_grad,
    public_cases=(Case((T1,)), Case((T2,), {"alpha": 1.5, "lam": 1.2})),
    hidden_cases=t_cases(alpha=(0.5, 2.5), lam=(0.8, 1.5)),
    shape_hint="the same shape as t",
    mistakes=(
        Mistake("selu-grad-no-lambda",
                lambda t, alpha=act.SELU_ALPHA, lam=act.SELU_LAMBDA: act.elu_grad(t, alpha),
                "you forgot the factor λ: SELU(t) = λ·ELU(t), so SELU'(t) = λ·ELU'(t) on both sides of 0"),
        Mistake("selu-grad-lambda-positive-only",
                lambda t, alpha=act.SELU_ALPHA, lam=act.SELU_LAMBDA:
                np.where(t > 0, lam, alpha * np.exp(np.minimum(t, 0))),
                "for t ≤ 0 you left out λ: the slope there is λ·α·e^t"),
        Mistake("selu-grad-value",
                lambda t, alpha=act.SELU_ALPHA, lam=act.SELU_LAMBDA:
                np.where(t > 0, lam, lam * alpha * np.expm1(np.minimum(t, 0))),
                "for t ≤ 0 you returned λα(e^t − 1), the value of SELU; its derivative there is λ·α·e^t"),
        Mistake("selu-grad-lambda-at-zero",
                lambda t, alpha=act.SELU_ALPHA, lam=act.SELU_LAMBDA:
                lam * np.where(t >= 0, 1.0, alpha * np.exp(np.minimum(t, 0))),
                "your derivative returns λ at t = 0; the course takes the t ≤ 0 branch there "
                "(SELU'(0) = λ·α): use t > 0"),
    ),
)

SWISH = Question(
    id="03-swish-grad", function="swish_grad", points=1, title="d/dt Swish(t; β)",
    reference=act.swish_grad,
    public_cases=(Case((T3,), {"beta": 1.0}), Case((T2,), {"beta": 2.0})),
    hidden_cases=t_cases(beta=(0.2, 3.0)),
    shape_hint="the same shape as t",
    mistakes=(
        Mistake("swish-grad-first-term-only", lambda t, beta=1.0: _sig(beta * t),
                "you kept only σ(βt): Swish is a product t·σ(βt), so the product rule adds t·β·σ(βt)(1 − σ(βt))"),
        Mistake("swish-grad-no-inner-beta",
                lambda t, beta=1.0: _sig(beta * t) + t * _sig(beta * t) * (1 - _sig(beta * t)),
                "you forgot the inner derivative of σ(βt): the chain rule gives β·σ'(βt), so the second term "
                "is β·t·σ(βt)(1 − σ(βt))"),
        Mistake("swish-grad-sigma-of-t",
                lambda t, beta=1.0: _sig(t) + beta * t * _sig(t) * (1 - _sig(t)),
                "you used σ(t) where Swish has σ(βt)"),
    ),
)

SWISH_BETA = Question(
    id="03-swish-grad-beta", function="swish_grad_beta", points=1, title="d/dβ Swish(t; β)",
    reference=act.swish_grad_beta,
    public_cases=(Case((T3,), {"beta": 1.0}), Case((T2,), {"beta": 0.5})),
    hidden_cases=t_cases(beta=(0.2, 3.0)),
    shape_hint="the same shape as t",
    mistakes=(
        Mistake("swish-beta-one-t", lambda t, beta=1.0: t * _sig(beta * t) * (1 - _sig(beta * t)),
                "you are missing a factor t: d/dβ σ(βt) = t·σ'(βt), and Swish multiplies that by t again, "
                "so the result is t²·σ(βt)(1 − σ(βt))"),
        Mistake("swish-beta-is-d-dt", lambda t, beta=1.0: act.swish_grad(t, beta),
                "you computed the derivative with respect to t; this question asks for d/dβ"),
        Mistake("swish-beta-times-beta", lambda t, beta=1.0: beta * t * t * _sig(beta * t) * (1 - _sig(beta * t)),
                "you multiplied by β: differentiating σ(βt) with respect to β gives the inner factor t, not β·t"),
    ),
)


def selu_moments_reference(alpha: float, lam: float) -> np.ndarray:
    """[E SELU(z), Var SELU(z)] for z ~ N(0, 1), in closed form.

    With Phi the standard normal CDF: E[z; z>0] = 1/sqrt(2 pi), E[z^2; z>0] = 1/2,
    E[e^{kz}; z<0] = e^{k^2/2} Phi(-k).
    """
    phi = lambda x: 0.5 * math.erfc(-x / math.sqrt(2.0))  # noqa: E731
    e1 = math.exp(0.5) * phi(-1.0)          # E[e^z; z<0]
    e2 = math.exp(2.0) * phi(-2.0)          # E[e^2z; z<0]
    mean = lam * (1.0 / math.sqrt(2.0 * math.pi) + alpha * (e1 - 0.5))
    second = lam ** 2 * (0.5 + alpha ** 2 * (e2 - 2.0 * e1 + 0.5))
    return np.array([mean, second - mean ** 2])


def _moments_hidden(rng: np.random.Generator) -> list[Case]:
    return [Case((float(rng.uniform(0.5, 2.5)), float(rng.uniform(0.8, 1.5)))) for _ in range(3)]


SELU_MOMENTS = Question(
    id="03-selu-moments", function="selu_moments", points=2, title="mean and variance of SELU(z), z ~ N(0, 1)",
    reference=selu_moments_reference,
    public_cases=(Case((act.SELU_ALPHA, act.SELU_LAMBDA)), Case((1.0, 1.0)), Case((1.5, 1.2))),
    hidden_cases=_moments_hidden,
    rtol=1e-5, atol=1e-5, allow_sequence=True, shape_hint="[mean, variance]",
    mistakes=(
        Mistake("selu-moments-second-moment",
                lambda alpha, lam: selu_moments_reference(alpha, lam)
                + np.array([0.0, selu_moments_reference(alpha, lam)[0] ** 2]),
                "your second number is E[SELU(z)²]; the variance subtracts the squared mean: E[f²] − (E f)²"),
        Mistake("selu-moments-std",
                lambda alpha, lam: selu_moments_reference(alpha, lam) ** np.array([1.0, 0.5]),
                "your second number is the standard deviation; the question asks for the variance (its square)"),
        Mistake("selu-moments-no-lambda",
                lambda alpha, lam: selu_moments_reference(alpha, 1.0),
                "you left out λ: SELU(z) = λ·ELU(z), so the mean scales by λ and the variance by λ²"),
    ),
)

ASSIGNMENT = Assignment(
    id="03_activations",
    title="Activation derivatives",
    questions=(RELU, LEAKY, ELU, SELU, SWISH, SWISH_BETA, SELU_MOMENTS),
)
