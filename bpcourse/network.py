"""A network is a list of layers; training is forward, backward, step.

    net = Sequential(Dense(64, 32, rng=0), ActivationLayer("sigmoid"), Dense(32, 10, rng=1))
    history = fit(net, X, y, loss="softmax_cross_entropy", optimizer=SGD(lr=0.5, momentum=0.9),
                  epochs=30, batch_size=32, rng=0)

batch_size=1 is online training (one update per example), batch_size=None is
full-batch training (one update per epoch), anything in between is mini-batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from bpcourse import losses
from bpcourse._checks import as_float_array, check_int, check_real, make_rng
from bpcourse.layers import Layer

__all__ = ["Sequential", "SGD", "History", "fit", "accuracy", "predict_classes"]


class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse (the backward pass)."""

    def __init__(self, *layers) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not all(hasattr(layer, m) for m in ("forward", "backward", "params", "grads")):
                raise TypeError(f"Sequential: layer {i} ({type(layer).__name__}) does not follow the layer "
                                "protocol (forward, backward, params, grads)")
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def parameters(self):
        """(layer, key) for every parameter array, in order."""
        return [(layer, key) for layer in self.layers for key in layer.params]

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential(\n  {inner}\n)"


class SGD:
    """Stochastic gradient descent with momentum, in PyTorch's form:
    v <- mu * v + g;  theta <- theta - lr * v.   (mu = 0: plain SGD, theta -= lr * g.)
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.0) -> None:
        self.lr = check_real(lr, "SGD", "lr", low=0.0, low_open=True)
        self.momentum = check_real(momentum, "SGD", "momentum", low=0.0, high=1.0, high_open=True)
        self.velocity: dict[tuple[int, str], np.ndarray] = {}

    def step(self, net) -> None:
        """Update every parameter of net (a Sequential or a single layer) from its grads."""
        layers = net.layers if isinstance(net, Sequential) else [net]
        for layer in layers:
            for key, theta in layer.params.items():
                g = layer.grads[key]
                if self.momentum:
                    v = self.velocity.get((id(layer), key))
                    v = g.copy() if v is None else self.momentum * v + g
                    self.velocity[(id(layer), key)] = v
                    g = v
                theta -= self.lr * g  # in place, so the layer sees it

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum})"


@dataclass
class History:
    """What fit recorded, one entry per epoch."""

    loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_metric: list = field(default_factory=list)
    train_metric: list = field(default_factory=list)

    def __repr__(self) -> str:
        last = f", last loss {self.loss[-1]:.4g}" if self.loss else ""
        val = f", last val {self.val_metric[-1]:.4g}" if self.val_metric else ""
        return f"History({len(self.loss)} epochs{last}{val})"


def predict_classes(y_hat) -> np.ndarray:
    """Class predictions: argmax over outputs, or for one output the side of 0.5."""
    y_hat = np.asarray(y_hat)
    if y_hat.ndim == 2 and y_hat.shape[1] > 1:
        return y_hat.argmax(axis=1)
    return (y_hat.reshape(-1) > 0.5).astype(int)


def accuracy(y_hat, y) -> float:
    """Fraction of examples classified correctly; y integer labels, one-hot rows, or 0/1 targets."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(axis=1)
    y = y.reshape(-1)
    pred = predict_classes(y_hat)
    if pred.shape != y.shape:
        raise ValueError(f"accuracy: {pred.shape[0]} predictions for {y.shape[0]} labels")
    return float(np.mean(pred == y))


def _targets(y, n: int, where: str):
    y = np.asarray(y)
    if y.shape[0] != n:
        raise ValueError(f"{where}: X has {n} examples but y has {y.shape[0]}")
    if np.issubdtype(y.dtype, np.integer) and y.ndim == 1:
        return y
    return as_float_array(y, where, "y")


def fit(net, X, y, loss="mse", optimizer=None, epochs: int = 10, batch_size: int | None = 32, rng=0,
        shuffle: bool = True, X_val=None, y_val=None, metric: Callable | None = accuracy,
        progress: bool = True, callback: Callable | None = None) -> History:
    """Train net on (X, y) for `epochs` passes and return a History.

    batch_size=1: online; None: full batch; else mini-batches, reshuffled each
    epoch under `rng`.  History.loss is the mean training loss over each epoch;
    with X_val/y_val, val_loss and val_metric (metric(y_hat, y), accuracy by
    default) are recorded after each epoch.  callback(epoch, net, history) runs
    after each epoch; returning True stops training.
    """
    X = as_float_array(X, "fit", "X")
    n = X.shape[0]
    y = _targets(y, n, "fit")
    loss = losses.get(loss)
    optimizer = optimizer if optimizer is not None else SGD(0.1)
    epochs = check_int(epochs, "fit", "epochs", low=1)
    bs = n if batch_size is None else check_int(batch_size, "fit", "batch_size", low=1)
    if X_val is not None:
        X_val = as_float_array(X_val, "fit", "X_val")
        y_val = _targets(y_val, X_val.shape[0], "fit")
    gen = make_rng(rng, "fit")
    history = History()
    bar = tqdm(range(epochs), desc="epochs", disable=not progress, leave=False)
    for epoch in bar:
        order = gen.permutation(n) if shuffle else np.arange(n)
        total = 0.0
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            y_hat = net.forward(X[idx])
            total += loss(y_hat, y[idx]) * len(idx)
            net.backward(loss.grad(y_hat, y[idx]))
            optimizer.step(net)
        history.loss.append(total / n)
        if X_val is not None:
            y_hat = net.forward(X_val)
            history.val_loss.append(loss(y_hat, y_val))
            if metric is not None:
                history.val_metric.append(metric(y_hat, y_val))
        if not np.isfinite(history.loss[-1]):
            bar.close()
            raise FloatingPointError(f"fit: the training loss became {history.loss[-1]} at epoch {epoch + 1}; "
                                     "lower the learning rate or the initial weight scale")
        bar.set_postfix(loss=f"{history.loss[-1]:.4g}")
        if callback is not None and callback(epoch, net, history):
            break
    bar.close()
    return history
