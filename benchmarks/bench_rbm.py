"""RBM benchmarks: one epoch of CD-1 / PCD-1 on the binarized digits, 64 visible x 100 hidden.

    .venv/bin/python benchmarks/bench_rbm.py

Reference: scikit-learn's BernoulliRBM, one epoch (n_iter=1) with the same batch
size and learning rate; it runs persistent CD-1, so the PCD row is the like-for-like one.
Times are the best of `repeats` runs; peak_mb is tracemalloc's peak during one run of ours.
Target (issue 9): one epoch <= 2 s.  The chapter's Gibbs-chain widget is timed here too
(one redraw after the slider moves; target < 1 s), so that no test has to assert on speed.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import peak_mb  # noqa: E402

from bpcourse.data import load_digits  # noqa: E402
from bpcourse.rbm import RBM  # noqa: E402


def _best_time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best




def run(repeats: int = 5) -> list[dict]:
    X_train, _, _, _ = load_digits()
    V = (X_train > 0.5).astype(np.float64)
    n, batch_size, lr = V.shape[0], 10, 0.05
    rows = []

    def sklearn_epoch():
        from sklearn.neural_network import BernoulliRBM
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            BernoulliRBM(n_components=100, learning_rate=lr, batch_size=batch_size, n_iter=1, random_state=0).fit(V)

    try:
        ref = _best_time(sklearn_epoch, repeats)
    except ImportError:
        ref = None

    for label, kwargs in [("CD-1", {"k": 1}), ("PCD-1", {"k": 1, "persistent": True}),
                          ("CD-1 + momentum 0.5", {"k": 1, "momentum": 0.5})]:
        def ours(kwargs=kwargs):
            RBM(64, 100, rng=0).fit(V, epochs=1, lr=lr, batch_size=batch_size, rng=1, progress=False, **kwargs)

        t = _best_time(ours, repeats)
        rows.append({
            "workload": f"RBM 64x100 {label}, 1 epoch digits (N={n}, batch {batch_size})",
            "ours_s": t,
            "ref_s": ref,
            "ratio": None if ref is None else t / ref,
            "peak_mb": peak_mb(ours),
            "target": "<= 2 s", "met": t <= 2.0,
            "note": f"{n / t:,.0f} samples/s; target <= 2 s/epoch: {'met' if t <= 2.0 else 'MISSED'}"
                    + ("; ref = sklearn BernoulliRBM (PCD-1)" if ref is not None else "; sklearn missing"),
        })

    exact = RBM(16, 64, rng=0, scale=0.1)
    V16 = (np.random.default_rng(0).random((100, 16)) < 0.5).astype(np.float64)
    t = _best_time(lambda: exact.log_likelihood(V16), repeats)
    rows.append({"workload": "exact log-likelihood, 16 visible x 64 hidden (2^16 states)", "ours_s": t,
                 "ref_s": None, "ratio": None, "peak_mb": peak_mb(lambda: exact.log_likelihood(V16)),
                 "note": "enumerates the visible layer in chunks of 2^14"})
    rows.append(_widget_redraw_row(V, repeats))
    return rows


def _widget_redraw_row(V, repeats: int) -> dict:
    """The chapter's Gibbs-chain viewer (64x100 RBM, 200-step chain): seconds for one redraw after a slider move."""
    from bpcourse.widgets.rbm import gibbs_chain_viewer

    rbm = RBM(64, 100, rng=0)
    rbm.fit(V, epochs=1, lr=0.05, batch_size=10, rng=1, progress=False)
    widget = gibbs_chain_viewer(rbm, V[0], n_steps=200, shape=(8, 8), rng=0)
    slider = widget.controls["step"]
    times = []
    for i in range(max(repeats, 3)):
        slider.value = 17 + i  # a new value, so the widget redraws
        times.append(widget.last_seconds)
    t = min(times)
    return {"workload": "Gibbs-chain widget redraw (64x100 RBM, 200-step chain, 8x8 image)", "ours_s": t,
            "ref_s": None, "ratio": None, "peak_mb": peak_mb(lambda: setattr(slider, "value", 3)),
            "target": "< 1 s", "met": t < 1.0,
            "note": f"best of {len(times)} slider moves (worst {max(times):.3f} s); target < 1 s: "
                    f"{'met' if t < 1.0 else 'MISSED'}"}


def _fmt(x, spec):
    width = int(spec.split(".")[0])
    return "-".rjust(width) if x is None else format(x, spec)


def main() -> None:
    rows = run()
    print(f"{'workload':<66} {'ours_s':>9} {'ref_s':>9} {'ratio':>7} {'peak_mb':>8}  note")
    for r in rows:
        print(f"{r['workload']:<66} {_fmt(r['ours_s'], '9.4f')} {_fmt(r['ref_s'], '9.4f')} "
              f"{_fmt(r['ratio'], '7.2f')} {_fmt(r['peak_mb'], '8.1f')}  {r['note']}")


if __name__ == "__main__":
    main()
