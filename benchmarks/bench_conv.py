"""Speed of bpcourse.conv's fast paths against PyTorch's CPU ops (float64, 2 threads).

    python benchmarks/bench_conv.py

Each workload times one forward + backward pass of a layer on a LeNet-sized
batch (median of several runs after a warm-up) and, when torch is importable,
the same pass through torch.nn.functional (autograd for the backward).
`ratio` = ours / torch: the target is <= 1.5.  `peak_mb` is the peak of
Python-visible allocations (tracemalloc, numpy included) during one pass of
ours.  torch is not a requirement: without it the reference columns are None.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _util import peak_mb, row, table  # noqa: E402

from bpcourse.conv import AvgPool2D, Conv2D, MaxPool2D  # noqa: E402

TARGET = 1.5
THREADS = 2

# (name, layer factory, input shape, torch op name, op kwargs)
WORKLOADS = [
    ("Conv2D 1->6 5x5 pad 2, x (64,1,28,28)", lambda: Conv2D(1, 6, 5, padding=2, rng=0), (64, 1, 28, 28),
     "conv2d", {"padding": 2}),
    ("Conv2D 6->16 5x5, x (64,6,14,14)", lambda: Conv2D(6, 16, 5, rng=0), (64, 6, 14, 14), "conv2d", {}),
    ("MaxPool2D 2x2, x (64,6,28,28)", lambda: MaxPool2D(2), (64, 6, 28, 28), "max_pool2d", {"kernel_size": 2}),
    ("MaxPool2D 2x2, x (64,16,10,10)", lambda: MaxPool2D(2), (64, 16, 10, 10), "max_pool2d", {"kernel_size": 2}),
    ("AvgPool2D 2x2, x (64,6,28,28)", lambda: AvgPool2D(2), (64, 6, 28, 28), "avg_pool2d", {"kernel_size": 2}),
    ("AvgPool2D 2x2, x (64,16,10,10)", lambda: AvgPool2D(2), (64, 16, 10, 10), "avg_pool2d", {"kernel_size": 2}),
]


def _median_times(fns, repeats: int = 30, warmup: int = 3) -> list[float]:
    """Median seconds per call of each function; the calls are interleaved so that a
    burst of load on the machine slows every contender alike."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            start = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - start)
    return [statistics.median(ts) for ts in times]


def _ours(layer, x, dout):
    def step():
        layer.forward(x)
        layer.backward(dout)
    return step




def _torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(THREADS)
    return torch


def _torch_step(torch, op: str, kwargs: dict, layer, x, dout):
    F = torch.nn.functional
    xt = torch.from_numpy(x).requires_grad_(True)
    dt = torch.from_numpy(dout)
    if op == "conv2d":
        w = torch.from_numpy(layer.params["K"].copy()).requires_grad_(True)
        b = torch.from_numpy(layer.params["b"].copy()).requires_grad_(True)
        inputs = (xt, w, b)

        def forward():
            return F.conv2d(xt, w, b, **kwargs)
    else:
        inputs = (xt,)
        fn = getattr(F, op)

        def forward():
            return fn(xt, **kwargs)

    def step():
        out = forward()
        torch.autograd.grad(out, inputs, dt)
    return step, forward


def run(repeats: int = 40) -> list[dict]:
    """Time every workload; rows {"workload", "ours_s", "ref_s", "ratio", "peak_mb", "note", "target", "met"}."""
    torch = _torch()
    rng = np.random.default_rng(0)
    rows = []
    for name, make, shape, op, kwargs in WORKLOADS:
        layer = make()
        x = rng.normal(size=shape)
        out = layer.forward(x)
        dout = rng.normal(size=out.shape)
        peak = peak_mb(_ours(make(), x, dout))
        ref = ratio = None
        if torch is None:
            note = "torch not installed: no reference"
            (ours,) = _median_times([_ours(layer, x, dout)], repeats)
            note = f"ours {ours * 1e3:.2f} ms; {note}"
        else:
            step, forward = _torch_step(torch, op, kwargs, layer, x, dout)
            with torch.no_grad():
                same = np.allclose(forward().numpy(), out, atol=1e-10)
            ours, ref = _median_times([_ours(layer, x, dout), step], repeats)
            ratio = ours / ref
            note = (f"ours {ours * 1e3:.2f} ms, torch {ref * 1e3:.2f} ms" +
                    ("" if ratio <= TARGET else f"; SLOWER than the {TARGET}x target") +
                    ("" if same else "; OUTPUTS DIFFER from torch"))
        rows.append(row(f"{name}, forward + backward", ours, ref, peak, note, target=f"<= {TARGET}x torch",
                        met=None if ratio is None else ratio <= TARGET))
    return rows


def main() -> int:
    torch = _torch()
    if torch is None:
        print("torch is not installed: timing bpcourse only (pip install torch to compare).")
    else:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}; "
              f"{os.cpu_count()} cpus")
    print(table(run()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
