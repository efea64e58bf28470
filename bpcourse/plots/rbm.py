"""Plots for chapter 4: Hopfield energy and capacity, RBM filters, CD-k bias, Gibbs chains.

Each function is pure: data in, matplotlib Figure out.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from bpcourse.plots.common import image_grid, new_figure

__all__ = ["energy_traces", "capacity_plot", "image_rows", "cd_bias_plot", "rbm_filters",
           "gibbs_chain_frame", "gibbs_chain_small_multiples"]


def energy_traces(traces: dict, xlabel: str = "sweeps", title: str = "") -> Figure:
    """One line per entry {label: (x, energy)}; x lets async (per unit) and sync (per sweep) share an axis."""
    fig, ax = new_figure(size=(5.5, 3.3))
    for label, (x, e) in traces.items():
        x, e = np.asarray(x, dtype=float), np.asarray(e, dtype=float)
        if x.shape != e.shape:
            raise ValueError(f"energy_traces: expected x and energy of the same shape for {label!r}, "
                             f"got {x.shape} and {e.shape}")
        ax.plot(x, e, label=label, drawstyle="steps-post", marker="." if len(x) < 40 else None)
    ax.set(xlabel=xlabel, ylabel="energy E(s)", title=title)
    ax.grid(alpha=0.3)
    if len(traces) > 1:
        ax.legend()
    return fig


def capacity_plot(alphas, curves: dict, alpha_c: float = 0.138, title: str = "") -> Figure:
    """Recall quality against load α = P/N, one line per entry {label: values}, with the line α = alpha_c."""
    alphas = np.asarray(alphas, dtype=float)
    fig, ax = new_figure(size=(5.5, 3.3))
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        if values.shape != alphas.shape:
            raise ValueError(f"capacity_plot: expected {alphas.shape[0]} values for {label!r}, got {values.shape}")
        ax.plot(alphas, values, marker="o", ms=3, label=label)
    ax.axvline(alpha_c, color="k", ls="--", lw=1, label=f"α = {alpha_c}")
    ax.set(xlabel="load α = P / N", ylabel="fraction", ylim=(-0.02, 1.02), title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def image_rows(rows: dict, shape: tuple, size: float = 0.9, cmap: str = "gray") -> Figure:
    """A grid with one labelled row per entry {label: images (n, h*w) or (n, h, w)}; all rows the same n."""
    rows = {label: np.asarray(imgs, dtype=float).reshape(-1, *shape) for label, imgs in rows.items()}
    counts = {imgs.shape[0] for imgs in rows.values()}
    if len(counts) != 1:
        raise ValueError(f"image_rows: expected every row to hold the same number of images, got {sorted(counts)}")
    n = counts.pop()
    fig, axes = new_figure(len(rows), n, size=(size * n + 1.0, size * len(rows)))
    for r, (label, imgs) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(imgs[c], cmap=cmap, vmin=min(0.0, imgs.min()), vmax=max(1.0, imgs.max()))
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    return fig


def cd_bias_plot(ks, errors: dict, title: str = "") -> Figure:
    """Distance between the CD-k gradient and the exact gradient against k (log-log), one line per entry."""
    ks = np.asarray(ks, dtype=float)
    fig, ax = new_figure(size=(5.5, 3.3))
    for label, values in errors.items():
        ax.loglog(ks, np.asarray(values, dtype=float), marker="o", ms=3, label=label)
    ax.set(xlabel="k (Gibbs steps)", ylabel="‖CD-k gradient − exact‖ / ‖exact‖", title=title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return fig


def rbm_filters(W, shape: tuple, n: int | None = None, ncols: int = 10, title: str = "") -> Figure:
    """The weights into each hidden unit, W[:, j] shown as an image of `shape` (blue < 0 < red)."""
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[0] != int(np.prod(shape)):
        raise ValueError(f"rbm_filters: expected W of shape ({int(np.prod(shape))}, n_hidden), got {W.shape}")
    n = W.shape[1] if n is None else min(n, W.shape[1])
    return image_grid(W[:, :n].T.reshape(n, *shape), ncols=ncols, symmetric=True, size=0.7, suptitle=title)


def _check_chain(chain: dict, where: str) -> int:
    needed = ("v", "energy", "free_energy")
    if not isinstance(chain, dict) or any(key not in chain for key in needed):
        raise ValueError(f"{where}: expected a chain dict with keys {needed} (from RBM.run_chain), got "
                         f"{sorted(chain) if isinstance(chain, dict) else type(chain).__name__}")
    return len(chain["v"]) - 1


def gibbs_chain_frame(chain: dict, step: int, shape: tuple) -> Figure:
    """Step `step` of a recorded chain: the visible sample v_t and the energy traces up to t."""
    T = _check_chain(chain, "gibbs_chain_frame")
    if not 0 <= step <= T:
        raise ValueError(f"gibbs_chain_frame: expected step in [0, {T}], got {step}")
    fig = Figure(figsize=(7.5, 2.8), layout="constrained")
    ax_img, ax_e = fig.subplots(1, 2, width_ratios=[1, 2.6])
    ax_img.imshow(np.asarray(chain["v"][step]).reshape(shape), cmap="gray", vmin=0, vmax=1)
    ax_img.set_axis_off()
    ax_img.set_title(f"v at step {step}", fontsize=9)
    t = np.arange(T + 1)
    ax_e.plot(t, chain["energy"], color="0.75", lw=0.8, label="E(v_t, h_t)")
    ax_e.plot(t, chain["free_energy"], color="C0", lw=1.0, label="F(v_t)")
    ax_e.plot([step], [chain["free_energy"][step]], "o", color="C3")
    ax_e.axvline(step, color="C3", lw=0.8)
    ax_e.set(xlabel="Gibbs step t", ylabel="energy",
             title=f"F(v_t) = {chain['free_energy'][step]:.2f},  E(v_t, h_t) = {chain['energy'][step]:.2f}")
    ax_e.title.set_fontsize(9)
    ax_e.legend(fontsize=8, loc="upper right")
    ax_e.grid(alpha=0.3)
    return fig


def gibbs_chain_small_multiples(chain: dict, steps, shape: tuple) -> Figure:
    """Static fallback of the chain viewer: v_t at the given steps, and the free-energy trace with them marked."""
    T = _check_chain(chain, "gibbs_chain_small_multiples")
    steps = [int(s) for s in steps]
    if not steps or any(not 0 <= s <= T for s in steps):
        raise ValueError(f"gibbs_chain_small_multiples: expected steps in [0, {T}], got {steps}")
    n = len(steps)
    fig = Figure(figsize=(max(6.0, 0.9 * n), 3.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.4])
    axes = top.subplots(1, n, squeeze=False)[0]
    for ax, s in zip(axes, steps):
        ax.imshow(np.asarray(chain["v"][s]).reshape(shape), cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"t={s}", fontsize=8)
    ax_e = bottom.subplots()
    t = np.arange(T + 1)
    ax_e.plot(t, chain["energy"], color="0.75", lw=0.8, label="E(v_t, h_t)")
    ax_e.plot(t, chain["free_energy"], color="C0", lw=1.0, label="F(v_t)")
    ax_e.plot(steps, np.asarray(chain["free_energy"])[steps], "o", color="C3")
    ax_e.set(xlabel="Gibbs step t", ylabel="energy")
    ax_e.legend(fontsize=8, loc="upper right")
    ax_e.grid(alpha=0.3)
    return fig
