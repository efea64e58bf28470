"""Training workloads, as the chapters run them:

- the chapter-1 MLP on digits (target: >= 97% test accuracy in <= 5 s), with
  scikit-learn's MLPClassifier on the same budget as the reference time;
- the chapter-2 CNN on digits with shifted copies and a cosine learning-rate
  schedule (target: <= 60 s to its reported accuracy, 0.9867).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _util import measure, row, table  # noqa: E402

from bpcourse.conv import Conv2D, MaxPool2D, pad  # noqa: E402
from bpcourse.data import load_digits  # noqa: E402
from bpcourse.layers import ActivationLayer, Dense, Flatten  # noqa: E402
from bpcourse.network import SGD, Sequential, fit  # noqa: E402


def train_mlp(epochs: int = 40):
    """Chapter 1's network: 64-64-10 tanh MLP, softmax cross-entropy, SGD(0.1, momentum 0.9), batch 32."""
    X_tr, y_tr, X_te, y_te = load_digits()
    net = Sequential(Dense(64, 64, rng=0), ActivationLayer("tanh"), Dense(64, 10, rng=1))
    history = fit(net, X_tr, y_tr, "softmax_cross_entropy", SGD(0.1, 0.9), epochs=epochs, batch_size=32,
                  X_val=X_te, y_val=y_te, progress=False)
    return history.val_metric[-1]


def reference_mlp(epochs: int = 40):
    """scikit-learn's MLPClassifier with the same size, optimizer and budget, as a reference time."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X_tr, y_tr, X_te, y_te = load_digits()
    clf = MLPClassifier(hidden_layer_sizes=(64,), activation="tanh", solver="sgd", learning_rate_init=0.1,
                        momentum=0.9, nesterovs_momentum=False, batch_size=32, max_iter=epochs, alpha=0.0,
                        random_state=0, tol=0.0, n_iter_no_change=epochs + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_tr, y_tr)
    return clf.score(X_te, y_te)


def _with_shifts(X, y):
    """X and four copies moved by one pixel (up, down, left, right), as in chapter 2."""
    Xp = pad(X, 1)
    shifted = [Xp[:, :, 1 + dr:9 + dr, 1 + dc:9 + dc] for dr, dc in [(-1, 0), (1, 0), (0, -1), (0, 1)]]
    return np.concatenate([X, *shifted]), np.concatenate([y] * 5)


def train_cnn(epochs: int = 6, lr0: float = 0.05):
    """Chapter 2's CNN: conv 12 3x3 - relu - maxpool - conv 24 3x3 - relu - maxpool - dense, cosine decay."""
    X_tr, y_tr, X_te, y_te = load_digits(images=True)
    X_aug, y_aug = _with_shifts(X_tr, y_tr)
    cnn = Sequential(Conv2D(1, 12, 3, padding=1, rng=0), ActivationLayer("relu"), MaxPool2D(2),
                     Conv2D(12, 24, 3, padding=1, rng=1), ActivationLayer("relu"), MaxPool2D(2),
                     Flatten(), Dense(96, 10, init="xavier", rng=2))
    opt = SGD(lr0, momentum=0.9)

    def cosine_decay(epoch, net, history):
        opt.lr = lr0 * 0.5 * (1 + np.cos(np.pi * (epoch + 1) / epochs))

    history = fit(cnn, X_aug, y_aug, "softmax_cross_entropy", opt, epochs=epochs, batch_size=32,
                  X_val=X_te, y_val=y_te, rng=0, progress=False, callback=cosine_decay)
    return history.val_metric[-1]


def run() -> list[dict]:
    ours, peak, acc = measure(train_mlp, repeat=3)
    ref, _, ref_acc = measure(reference_mlp, repeat=1)
    note = f"test accuracy {acc:.4f} (sklearn MLPClassifier, same budget: {ref_acc:.4f})"
    rows = [row("MLP 64-64-10 on digits, 40 epochs (chapter 1)", ours, ref, peak, note,
                target="<= 5 s and >= 97%", met=ours <= 5.0 and acc >= 0.97)]
    cnn_s, cnn_peak, cnn_acc = measure(train_cnn, repeat=1)
    rows.append(row("CNN on digits with shifted copies, 6 epochs (chapter 2)", cnn_s, None, cnn_peak,
                    f"test accuracy {cnn_acc:.4f} (the chapter reports 0.9867)", target="<= 60 s",
                    met=cnn_s <= 60.0 and abs(cnn_acc - 0.9867) < 5e-4))
    return rows


if __name__ == "__main__":
    print(table(run()))
