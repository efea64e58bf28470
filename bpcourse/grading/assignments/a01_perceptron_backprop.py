"""Assignment 01: the dense layer forward, BP1–BP4 for a batch, a momentum step, and a full backward pass.

Conventions are the book's (chapter 1): batch-first rows, z = x @ W + b with W of
shape (n_in, n_out), the quadratic cost C = (1/N) sum_n 1/2 ||a_n - y_n||^2, so
delta = dC/dz carries a 1/N, and momentum in PyTorch's form v = mu v + g, theta -= lr v.
Each question lists the mistakes students actually make (several appear in the
course's own source material, e.g. a missing transpose in BP2 or "t minus y" as
the output error).
"""

from __future__ import annotations

import numpy as np

from bpcourse.activations import sigmoid, sigmoid_grad
from bpcourse.grading.core import Assignment, Case, Mistake, Question

# --- references ------------------------------------------------------------------


def dense_forward(x, W, b):
    """z = x @ W + b.  x: (N, n_in), W: (n_in, n_out), b: (n_out,) -> z: (N, n_out)."""
    return x @ W + b


def output_delta(z, y):
    """BP1 for C = (1/N) sum 1/2 ||sigma(z) - y||^2:  delta = (sigma(z) - y) * sigma'(z) / N.  z, y: (N, n_out)."""
    return (sigmoid(z) - y) * sigmoid_grad(z) / z.shape[0]


def hidden_delta(delta_next, W_next, z):
    """BP2 with a sigmoid layer:  delta = (delta_next @ W_next.T) * sigma'(z).
    delta_next: (N, n_next), W_next: (n, n_next), z: (N, n) -> (N, n)."""
    return (delta_next @ W_next.T) * sigmoid_grad(z)


def dense_grads(x, delta):
    """BP4 and BP3 averaged over the batch, from per-example errors delta (no 1/N in them):
    dW = x.T @ delta / N  (n_in, n_out),  db = mean of the rows of delta  (n_out,)."""
    n = x.shape[0]
    return x.T @ delta / n, delta.sum(axis=0) / n


def momentum_step(theta, grad, v, lr, mu):
    """One SGD-with-momentum step (PyTorch's form): v_new = mu v + grad; theta_new = theta - lr v_new.
    Returns (theta_new, v_new), both of theta's shape."""
    v_new = mu * v + grad
    return theta - lr * v_new, v_new


def backward_2layer(x, y, W1, b1, W2, b2):
    """Gradients of C = (1/N) sum 1/2 ||a2 - y||^2 for a1 = sigma(x W1 + b1), a2 = sigma(a1 W2 + b2).
    Returns (dW1, db1, dW2, db2), each of its parameter's shape."""
    z1 = x @ W1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2 + b2
    a2 = sigmoid(z2)
    delta2 = (a2 - y) * sigmoid_grad(z2) / x.shape[0]
    delta1 = (delta2 @ W2.T) * sigmoid_grad(z1)
    return x.T @ delta1, delta1.sum(axis=0), a1.T @ delta2, delta2.sum(axis=0)


# --- fixed public cases --------------------------------------------------------------

X1 = np.array([[1.0, 0.5, -0.5, 0.2], [0.0, 1.0, 1.0, 0.0], [2.0, -1.0, 0.0, 1.0]])
W43 = np.array([[0.1, -0.2, 0.3], [0.3, 0.4, -0.1], [-0.5, 0.2, 0.0], [0.2, -0.1, 0.5]])
B3 = np.array([0.1, -0.1, 0.2])
X_SQ = np.array([[1.0, -1.0], [0.5, 2.0], [-0.3, 0.7]])
W_SQ = np.array([[0.6, -0.4], [0.1, 0.9]])
B2 = np.array([0.05, -0.2])
Z_OUT = np.array([[0.4, -1.2], [2.0, 0.3], [-0.7, 0.0]])
Y_OUT = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
Z_OUT1 = np.array([[0.4048], [1.5], [-2.0], [0.0]])
Y_OUT1 = np.array([[1.0], [0.0], [1.0], [0.0]])
DELTA_NEXT = np.array([[0.1, -0.2], [0.05, 0.3], [-0.4, 0.0]])
W_NEXT = np.array([[0.5, -0.3], [0.2, 0.6], [-0.7, 0.1]])            # (3, 2): 3 units here, 2 above
Z_HID = np.array([[0.3, -0.5, 1.2], [0.0, 2.0, -1.0], [0.8, 0.1, -0.2]])
Z_HID_SQ = np.array([[0.3, -0.5], [1.0, 0.2], [-1.5, 0.4]])
DELTA_PER = np.array([[0.2, -0.1, 0.4], [-0.3, 0.5, 0.1], [0.05, 0.2, -0.6]])


def _rand_shape(rng: np.random.Generator, low: int = 2, high: int = 6) -> int:
    return int(rng.integers(low, high + 1))


def _dense_hidden(rng: np.random.Generator) -> list[Case]:
    cases = []
    for _ in range(4):
        n, n_in, n_out = _rand_shape(rng, 1, 6), _rand_shape(rng), _rand_shape(rng)
        cases.append(Case((rng.normal(size=(n, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out))))
    return cases


def _output_hidden(rng: np.random.Generator) -> list[Case]:
    cases = []
    for _ in range(4):
        shape = (_rand_shape(rng, 1, 6), _rand_shape(rng, 1, 4))
        cases.append(Case((rng.normal(0.0, 2.0, size=shape), rng.uniform(0.0, 1.0, size=shape))))
    return cases


def _hidden_hidden(rng: np.random.Generator) -> list[Case]:
    cases = []
    for _ in range(4):
        n, units, above = _rand_shape(rng, 1, 6), _rand_shape(rng), _rand_shape(rng)
        cases.append(Case((rng.normal(0.0, 0.5, size=(n, above)), rng.normal(size=(units, above)),
                           rng.normal(0.0, 2.0, size=(n, units)))))
    return cases


def _grads_hidden(rng: np.random.Generator) -> list[Case]:
    cases = []
    for _ in range(4):
        n, n_in, n_out = _rand_shape(rng, 2, 8), _rand_shape(rng), _rand_shape(rng)
        cases.append(Case((rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out)))))
    return cases


def _momentum_hidden(rng: np.random.Generator) -> list[Case]:
    cases = []
    for _ in range(4):
        shape = (_rand_shape(rng, 1, 5), _rand_shape(rng, 1, 5))
        cases.append(Case((rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape),
                           float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.5, 0.99)))))
    return cases


def _backward_hidden(rng: np.random.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        n, n_in, n_h, n_out = _rand_shape(rng, 2, 6), _rand_shape(rng), _rand_shape(rng), _rand_shape(rng, 1, 3)
        cases.append(Case((rng.normal(size=(n, n_in)), rng.uniform(0.0, 1.0, size=(n, n_out)),
                           rng.normal(size=(n_in, n_h)), rng.normal(0.0, 0.1, size=n_h),
                           rng.normal(size=(n_h, n_out)), rng.normal(0.0, 0.1, size=n_out))))
    return cases


# --- the questions -------------------------------------------------------------------

DENSE = Question(
    id="01-dense-forward", function="dense_forward", points=1, title="dense layer forward, z = xW + b",
    reference=dense_forward,
    public_cases=(Case((X_SQ, W_SQ, B2)), Case((X1, W43, B3))),
    hidden_cases=_dense_hidden,
    shape_hint="(N, n_out): one row per example",
    mistakes=(
        Mistake("dense-no-bias", lambda x, W, b: x @ W,
                "you left out the bias: z = x @ W + b"),
        Mistake("dense-transposed-W", lambda x, W, b: x @ W.T + b,
                "you multiplied by W transposed; in this course W has shape (n_in, n_out), so z = x @ W + b"),
        Mistake("dense-minus-bias", lambda x, W, b: x @ W - b,
                "you subtracted the bias; the course adds it: z = x @ W + b (a threshold is a bias with the "
                "opposite sign)"),
        Mistake("dense-activated", lambda x, W, b: sigmoid(x @ W + b),
                "you applied the sigmoid; the dense layer returns the weighted input z = x @ W + b, and the "
                "activation is a separate layer"),
    ),
)

OUTPUT_DELTA = Question(
    id="01-bp1-output-delta", function="output_delta", points=1, title="BP1: the output error, MSE and sigmoid",
    reference=output_delta,
    public_cases=(Case((Z_OUT, Y_OUT)), Case((Z_OUT1, Y_OUT1))),
    hidden_cases=_output_hidden,
    shape_hint="the same shape as z",
    mistakes=(
        Mistake("bp1-no-batch-mean", lambda z, y: (sigmoid(z) - y) * sigmoid_grad(z),
                "you forgot the 1/N: the cost is averaged over the batch, so dC/da = (a − y)/N"),
        Mistake("bp1-no-fprime", lambda z, y: (sigmoid(z) - y) / z.shape[0],
                "you left out σ'(z): BP1 is δ = ∂C/∂a ⊙ σ'(z), the error has to pass through the output's "
                "activation"),
        Mistake("bp1-t-minus-y", lambda z, y: (y - sigmoid(z)) * sigmoid_grad(z) / z.shape[0],
                "your sign is flipped: ∂C/∂a = a − y (output minus target), not y − a"),
        Mistake("bp1-fprime-of-a", lambda z, y: (sigmoid(z) - y) * sigmoid_grad(sigmoid(z)) / z.shape[0],
                "you evaluated σ' at a = σ(z); the derivative is taken at the weighted input: σ'(z) = a(1 − a)"),
        Mistake("bp1-z-instead-of-a", lambda z, y: (z - y) * sigmoid_grad(z) / z.shape[0],
                "you used z where the output a = σ(z) belongs: ∂C/∂a = σ(z) − y"),
    ),
)

HIDDEN_DELTA = Question(
    id="01-bp2-hidden-delta", function="hidden_delta", points=1, title="BP2: the error of a hidden sigmoid layer",
    reference=hidden_delta,
    public_cases=(Case((DELTA_NEXT, W_SQ, Z_HID_SQ)), Case((DELTA_NEXT, W_NEXT, Z_HID))),
    hidden_cases=_hidden_hidden,
    shape_hint="the same shape as z",
    mistakes=(
        Mistake("bp2-no-transpose", lambda d, W, z: (d @ W) * sigmoid_grad(z),
                "you multiplied by W_next without transposing it; the error goes back along the weights: "
                "delta_next @ W_next.T"),
        Mistake("bp2-no-fprime", lambda d, W, z: d @ W.T,
                "you left out σ'(z): BP2 is δ = (δ_next W_nextᵀ) ⊙ σ'(z)"),
        Mistake("bp2-sigma-not-fprime", lambda d, W, z: (d @ W.T) * sigmoid(z),
                "you multiplied by σ(z); BP2 needs the derivative σ'(z) = σ(z)(1 − σ(z))"),
        Mistake("bp2-fprime-of-a", lambda d, W, z: (d @ W.T) * sigmoid_grad(sigmoid(z)),
                "you evaluated σ' at a = σ(z); it is taken at the weighted input z"),
    ),
)

DENSE_GRADS = Question(
    id="01-bp34-batch-grads", function="dense_grads", points=1,
    title="BP3 and BP4 for a mini-batch, averaged",
    reference=dense_grads,
    public_cases=(Case((X_SQ, DELTA_PER[:, :2])), Case((X1, DELTA_PER)), Case((X1[:, :3], DELTA_PER))),
    hidden_cases=_grads_hidden,
    outputs=("dW", "db"),
    shape_hint="dW: the shape of W, (n_in, n_out); db: (n_out,)",
    mistakes=(
        Mistake("bp34-sum-not-mean", lambda x, d: (x.T @ d, d.sum(axis=0)),
                "you summed over the batch; the gradient of the batch-mean cost is the mean: divide by N"),
        Mistake("bp4-transposed", lambda x, d: (d.T @ x / x.shape[0], d.mean(axis=0)),
                "your dW is transposed: it must have W's shape (n_in, n_out), dW = xᵀ δ / N"),
        Mistake("bp4-outer-of-means", lambda x, d: (np.outer(x.mean(axis=0), d.mean(axis=0)), d.mean(axis=0)),
                "you took the outer product of the mean input and the mean error; BP4 averages the per-example "
                "products a_j δ_i: dW = xᵀ δ / N"),
        Mistake("bp3-times-input", lambda x, d: (x.T @ d / x.shape[0], (x.T @ d / x.shape[0]).sum(axis=0)),
                "your db is the column sums of dW, i.e. δ weighted by the inputs; by BP3 ∂C/∂b = δ (the input "
                "to a bias is the constant 1), so db is the mean of δ over the batch"),
        Mistake("bp34-mean-W-only", lambda x, d: (x.T @ d / x.shape[0], d.sum(axis=0)),
                "dW is averaged but db is summed; average both over the batch"),
        Mistake("bp34-mean-b-only", lambda x, d: (x.T @ d, d.mean(axis=0)),
                "db is averaged but dW is summed; average both over the batch: dW = xᵀ δ / N"),
    ),
)

MOMENTUM = Question(
    id="01-sgd-momentum-step", function="momentum_step", points=1, title="one SGD step with momentum",
    reference=momentum_step,
    public_cases=(Case((np.array([1.0, -2.0, 0.5]), np.array([0.2, -0.4, 1.0]), np.array([0.1, 0.0, -0.3]), 0.1, 0.9)),
                  Case((np.array([[0.3, -0.3], [1.0, 2.0]]), np.array([[1.0, 0.5], [-1.0, 0.0]]),
                        np.array([[0.0, 0.0], [0.0, 0.0]]), 0.5, 0.5))),
    hidden_cases=_momentum_hidden,
    outputs=("theta", "v"),
    shape_hint="theta_new and v_new, each of theta's shape",
    mistakes=(
        Mistake("momentum-ignored", lambda th, g, v, lr, mu: (th - lr * g, mu * v + g),
                "you updated theta with the gradient alone; with momentum the step follows the new velocity: "
                "theta − lr · v_new"),
        Mistake("momentum-old-velocity", lambda th, g, v, lr, mu: (th - lr * v, mu * v + g),
                "you stepped with the old velocity; first v_new = μ v + g, then theta − lr · v_new"),
        Mistake("momentum-lr-inside", lambda th, g, v, lr, mu: (th - (mu * v + lr * g), mu * v + lr * g),
                "you used the form v = μ v + lr·g, theta −= v; this course (like PyTorch) keeps lr outside: "
                "v = μ v + g, theta −= lr · v"),
        Mistake("momentum-sign", lambda th, g, v, lr, mu: (th + lr * (mu * v + g), mu * v + g),
                "you moved uphill: gradient descent subtracts, theta − lr · v_new"),
        Mistake("momentum-mu-on-gradient", lambda th, g, v, lr, mu: (th - lr * (v + mu * g), v + mu * g),
                "you put μ on the gradient; μ multiplies the old velocity: v_new = μ v + g"),
    ),
)

BACKWARD = Question(
    id="01-backward-2layer", function="backward_2layer", points=2, title="a full backward pass of a 2-layer net",
    reference=backward_2layer,
    public_cases=(
        Case((X1, np.array([[1.0], [0.0], [1.0]]), W43, B3, np.array([[0.7], [-0.4], [0.2]]), np.array([0.2]))),
        Case((X_SQ, np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]), W_SQ, B2, np.array([[0.3, -0.8], [0.5, 0.4]]),
              np.array([0.0, 0.1]))),
    ),
    hidden_cases=_backward_hidden,
    outputs=("dW1", "db1", "dW2", "db2"),
    shape_hint="dW1, db1, dW2, db2, each of its parameter's shape",
    mistakes=(
        Mistake("backward-no-batch-mean",
                lambda x, y, W1, b1, W2, b2: tuple(g * x.shape[0] for g in backward_2layer(x, y, W1, b1, W2, b2)),
                "every gradient is N times too large: the cost is averaged over the batch, so δ at the output "
                "carries a 1/N"),
        Mistake("backward-double-mean",
                lambda x, y, W1, b1, W2, b2: tuple(g / x.shape[0] for g in backward_2layer(x, y, W1, b1, W2, b2)),
                "every gradient is N times too small: you divided by N twice. δ2 = (a2 − y)/N ⊙ σ'(z2) already "
                "carries the 1/N of the batch mean, so the gradients are plain sums over the batch, xᵀδ and "
                "Σ_n δ_n (reusing dense_grads, which divides by N again, counts the mean twice)"),
        Mistake("backward-hidden-no-fprime", lambda x, y, W1, b1, W2, b2: _backward_variant(
                    x, y, W1, b1, W2, b2, hidden_fprime=False),
                "dW2 and db2 are right but the first layer is not: BP2 needs the factor σ'(z1) on the hidden error"),
        Mistake("backward-output-no-fprime", lambda x, y, W1, b1, W2, b2: _backward_variant(
                    x, y, W1, b1, W2, b2, output_fprime=False),
                "the output error is missing σ'(z2): BP1 is δ2 = (a2 − y)/N ⊙ σ'(z2)"),
        Mistake("backward-sign", lambda x, y, W1, b1, W2, b2: tuple(-g for g in backward_2layer(x, y, W1, b1, W2, b2)),
                "every gradient has the wrong sign: ∂C/∂a2 = (a2 − y)/N, output minus target"),
        Mistake("backward-fprime-of-a", lambda x, y, W1, b1, W2, b2: _backward_variant(
                    x, y, W1, b1, W2, b2, fprime_of_a=True),
                "you evaluated σ' at the activations a = σ(z); it is taken at the weighted inputs z"),
    ),
)


def _backward_variant(x, y, W1, b1, W2, b2, hidden_fprime=True, output_fprime=True, fprime_of_a=False):
    """backward_2layer with one of the catalogued slips."""
    z1 = x @ W1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2 + b2
    a2 = sigmoid(z2)
    d1f = sigmoid_grad(a1) if fprime_of_a else sigmoid_grad(z1)
    d2f = sigmoid_grad(a2) if fprime_of_a else sigmoid_grad(z2)
    delta2 = (a2 - y) / x.shape[0] * (d2f if output_fprime else 1.0)
    delta1 = (delta2 @ W2.T) * (d1f if hidden_fprime else 1.0)
    return x.T @ delta1, delta1.sum(axis=0), a1.T @ delta2, delta2.sum(axis=0)


ASSIGNMENT = Assignment(
    id="01_perceptron_backprop",
    title="Backpropagation in the multilayer perceptron",
    questions=(DENSE, OUTPUT_DELTA, HIDDEN_DELTA, DENSE_GRADS, MOMENTUM, BACKWARD),
)
