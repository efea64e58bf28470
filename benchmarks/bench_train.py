"""Training workloads: the chapter-1 MLP on digits (target: >= 97% test accuracy in <= 5 s)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import measure, row, table  # noqa: E402

from bpcourse.data import load_digits  # noqa: E402
from bpcourse.layers import ActivationLayer, Dense  # noqa: E402
from bpcourse.network import SGD, Sequential, fit  # noqa: E402


def train_mlp(epochs: int = 40):
    """64-64-10 sigmoid MLP, softmax cross-entropy, SGD(0.1, momentum 0.9), batch 32."""
    X_tr, y_tr, X_te, y_te = load_digits()
    net = Sequential(Dense(64, 64, init="xavier", rng=0), ActivationLayer("sigmoid"),
                     Dense(64, 10, init="xavier", rng=1))
    history = fit(net, X_tr, y_tr, "softmax_cross_entropy", SGD(0.1, 0.9), epochs=epochs, batch_size=32,
                  X_val=X_te, y_val=y_te, progress=False)
    return history.val_metric[-1]


def reference_mlp(epochs: int = 40):
    """scikit-learn's MLPClassifier with the same size, optimizer and budget, as a reference time."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X_tr, y_tr, X_te, y_te = load_digits()
    clf = MLPClassifier(hidden_layer_sizes=(64,), activation="logistic", solver="sgd", learning_rate_init=0.1,
                        momentum=0.9, nesterovs_momentum=False, batch_size=32, max_iter=epochs, alpha=0.0,
                        random_state=0, tol=0.0, n_iter_no_change=epochs + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_tr, y_tr)
    return clf.score(X_te, y_te)


def run() -> list[dict]:
    ours, peak, acc = measure(train_mlp, repeat=3)
    ref, _, ref_acc = measure(reference_mlp, repeat=1)
    note = f"test accuracy {acc:.3f} (sklearn MLPClassifier, same budget: {ref_acc:.3f})"
    return [row("MLP 64-64-10 on digits, 40 epochs", ours, ref, peak, note,
                target="<= 5 s and >= 97%", met=ours <= 5.0 and acc >= 0.97)]


if __name__ == "__main__":
    print(table(run()))
