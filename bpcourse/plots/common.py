"""Plots used by several chapters: loss curves, image grids, confusion matrices."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

__all__ = ["new_figure", "loss_curves", "image_grid", "confusion_matrix_plot"]


def new_figure(nrows: int = 1, ncols: int = 1, size: tuple = (5.0, 3.5), **kw):
    """A Figure and its axes, made without pyplot (no global state, safe headless)."""
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, (axes[0, 0] if nrows == ncols == 1 else axes)


def loss_curves(curves: dict, title: str = "", ylabel: str = "loss", logy: bool = False,
                xlabel: str = "epoch") -> Figure:
    """One line per entry of curves {label: sequence of values}."""
    fig, ax = new_figure()
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if len(curves) > 1:
        ax.legend()
    ax.grid(alpha=0.3)
    return fig


def image_grid(images, ncols: int = 8, titles=None, cmap: str = "gray", size: float = 1.1,
               suptitle: str = "", symmetric: bool = False) -> Figure:
    """Show images (n, h, w) in a grid; symmetric=True centres the colour map on 0."""
    images = np.asarray(images, dtype=float)
    if images.ndim != 3:
        raise ValueError(f"image_grid: expected images of shape (n, h, w), got {images.shape}")
    n = images.shape[0]
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(nrows, ncols, size=(size * ncols, size * nrows + (0.3 if suptitle else 0)))
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        img = images[i]
        if symmetric:
            m = np.abs(img).max() or 1.0
            ax.imshow(img, cmap="RdBu_r", vmin=-m, vmax=m)
        else:
            ax.imshow(img, cmap=cmap)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def confusion_matrix_plot(y_true, y_pred, n_classes: int | None = None, title: str = "") -> Figure:
    """Counts of (true class, predicted class), with the counts written in the cells."""
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(y_pred, dtype=int)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix_plot: y_true {y_true.shape} and y_pred {y_pred.shape} differ")
    k = n_classes or int(max(y_true.max(), y_pred.max()) + 1)
    cm = np.zeros((k, k), dtype=int)
    np.add.at(cm, (y_true, y_pred), 1)
    fig, ax = new_figure(size=(4.5, 4.0))
    ax.imshow(cm, cmap="Blues")
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                ax.text(j, i, cm[i, j], ha="center", va="center", fontsize=7,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set(xlabel="predicted", ylabel="true", xticks=range(k), yticks=range(k), title=title)
    return fig
