"""Plots for chapter 2 (convolution and pooling).  Pure: each returns a Figure.

Indices are 0-based as in the code: x[r, c] is input row r, column c; K[u, v]
is the kernel weight in row u, column v; z[i, j] an output.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bpcourse.conv import conv_output_size
from bpcourse.plots.common import new_figure

__all__ = ["connection_graph", "conv_window", "conv_window_grid", "pool_backward", "timing_bars",
           "kernel_colors", "learning_curves"]


def kernel_colors(kh: int, kw: int) -> list:
    """One colour per kernel weight K[u, v], row-major."""
    from matplotlib import colormaps
    cmap = colormaps["tab10"] if kh * kw <= 10 else colormaps["tab20"]
    return [cmap(i % cmap.N) for i in range(kh * kw)]


def _check_geometry(H: int, W: int, kh: int, kw: int, stride: int, padding: int, where: str) -> tuple[int, int]:
    for name, v, low in (("H", H, 1), ("W", W, 1), ("kh", kh, 1), ("kw", kw, 1), ("stride", stride, 1),
                         ("padding", padding, 0)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"{where}: expected {name} to be an integer >= {low}, got {v!r}")
    if kh > H + 2 * padding or kw > W + 2 * padding:
        raise ValueError(f"{where}: the {kh}x{kw} kernel does not fit the {H}x{W} input padded by {padding}")
    return conv_output_size(H, kh, stride, padding), conv_output_size(W, kw, stride, padding)


def connection_graph(H: int = 3, W: int = 3, kh: int = 2, kw: int = 2) -> Figure:
    """A valid, stride-1 convolution drawn as a layer of a network (left) and as its weight matrix (right).

    Left: the H*W input pixels and the Ho*Wo outputs as nodes; an edge for every
    connection, coloured by the kernel weight it carries (same colour = same,
    shared weight).  Right: the equivalent dense matrix M with z = M x (x and z
    flattened row by row): mostly zeros, and the few kernel weights repeated.
    """
    Ho, Wo = _check_geometry(H, W, kh, kw, 1, 0, "connection_graph")
    colors = kernel_colors(kh, kw)
    fig, axes = new_figure(1, 2, size=(10.0, 4.2))
    ax, axm = axes[0]
    n_in, n_out = H * W, Ho * Wo
    y_in = np.linspace(1, 0, n_in)
    y_out = np.linspace(1, 0, n_out) * (n_out - 1) / max(n_in - 1, 1) + (1 - (n_out - 1) / max(n_in - 1, 1)) / 2
    M = np.full((n_out, n_in), -1, dtype=int)
    for i in range(Ho):
        for j in range(Wo):
            for u in range(kh):
                for v in range(kw):
                    o, p = i * Wo + j, (i + u) * W + (j + v)
                    M[o, p] = u * kw + v
                    ax.plot([0, 1], [y_in[p], y_out[o]], color=colors[u * kw + v], lw=2.0, alpha=0.85, zorder=1)
    for p in range(n_in):
        ax.scatter(0, y_in[p], s=420, color="white", edgecolor="black", zorder=2)
        ax.text(0, y_in[p], f"x{p // W}{p % W}", ha="center", va="center", fontsize=8, zorder=3)
    for o in range(n_out):
        ax.scatter(1, y_out[o], s=420, color="#ffe9b3", edgecolor="black", zorder=2)
        ax.text(1, y_out[o], f"z{o // Wo}{o % Wo}", ha="center", va="center", fontsize=8, zorder=3)
    for u in range(kh):
        for v in range(kw):
            ax.plot([], [], color=colors[u * kw + v], lw=3, label=f"K[{u},{v}]")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=min(kh * kw, 4), fontsize=8, frameon=False)
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(-0.08, 1.08)
    ax.set_axis_off()
    ax.set_title(f"{H}x{W} input, {kh}x{kw} kernel: {n_out * kh * kw} connections, {kh * kw} weights", fontsize=9)
    # the matrix view
    img = np.ones((n_out, n_in, 4))
    for o in range(n_out):
        for p in range(n_in):
            if M[o, p] >= 0:
                img[o, p] = colors[M[o, p]]
    axm.imshow(img, aspect="equal")
    for o in range(n_out):
        for p in range(n_in):
            if M[o, p] >= 0:
                axm.text(p, o, f"K{M[o, p] // kw}{M[o, p] % kw}", ha="center", va="center", fontsize=7)
    axm.set_xticks(range(n_in), [f"x{p // W}{p % W}" for p in range(n_in)], fontsize=7, rotation=90)
    axm.set_yticks(range(n_out), [f"z{o // Wo}{o % Wo}" for o in range(n_out)], fontsize=7)
    axm.set_xticks(np.arange(-0.5, n_in), minor=True)
    axm.set_yticks(np.arange(-0.5, n_out), minor=True)
    axm.grid(which="minor", color="0.7", lw=0.5)
    axm.tick_params(which="minor", length=0)
    axm.set_title("the same layer as a matrix: z = M x (blank = 0)", fontsize=9)
    return fig


def _draw_grid(ax, H: int, W: int, x0: float, y0: float, labels=None, fill=None, title: str = "",
               pad: int = 0) -> None:
    """Squares for an H x W map with its top-left corner at (x0, y0) (y grows downwards);
    `fill[r][c]` colours a cell, `labels[r][c]` writes in it; the outer `pad` rings are dashed."""
    for r in range(H):
        for c in range(W):
            is_pad = r < pad or c < pad or r >= H - pad or c >= W - pad
            color = fill[r][c] if fill is not None and fill[r][c] is not None else ("0.93" if is_pad else "white")
            ax.add_patch(Rectangle((x0 + c, y0 + r), 1, 1, facecolor=color, edgecolor="0.4",
                                   ls="--" if is_pad else "-", lw=0.8))
            if labels is not None and labels[r][c]:
                ax.text(x0 + c + 0.5, y0 + r + 0.5, labels[r][c], ha="center", va="center", fontsize=7)
    if title:
        ax.text(x0 + W / 2, y0 - 0.35, title, ha="center", va="bottom", fontsize=9)


def conv_window(H: int = 5, W: int = 5, kh: int = 3, kw: int = 3, stride: int = 1, padding: int = 0,
                row: int = 0, col: int = 0, mode: str = "forward", ax=None) -> Figure:
    """Where a kernel sits, forward or backward.

    With `ax` given, draws a compact panel into it (no kernel, short labels).
    mode "forward": output z[row, col] and the window of the (padded) input it
    reads; each input pixel is coloured by the kernel weight K[u, v] it meets.
    mode "backward": input pixel x[row, col] and every output whose window
    covers it; delta of output z[i, j] reaches x[row, col] through weight
    K[row + padding - stride*i, col + padding - stride*j].  Read around the
    pixel, these weights form the kernel rotated by 180 degrees.
    """
    Ho, Wo = _check_geometry(H, W, kh, kw, stride, padding, "conv_window")
    if mode not in ("forward", "backward"):
        raise ValueError(f"conv_window: expected mode 'forward' or 'backward', got {mode!r}")
    n_rows, n_cols = (Ho, Wo) if mode == "forward" else (H, W)
    if not (0 <= row < n_rows and 0 <= col < n_cols):
        what = "output" if mode == "forward" else "input"
        raise ValueError(f"conv_window: ({row}, {col}) is outside the {n_rows}x{n_cols} {what}")
    colors = kernel_colors(kh, kw)
    compact = ax is not None          # a panel of conv_window_grid: no kernel, no titles, short labels
    Hp, Wp = H + 2 * padding, W + 2 * padding
    in_fill = [[None] * Wp for _ in range(Hp)]
    in_labels = [[""] * Wp for _ in range(Hp)]
    out_fill = [[None] * Wo for _ in range(Ho)]
    out_labels = [[""] * Wo for _ in range(Ho)]
    if mode == "forward":
        for u in range(kh):
            for v in range(kw):
                r, c = stride * row + u, stride * col + v
                in_fill[r][c] = colors[u * kw + v]
                in_labels[r][c] = f"K{u}{v}"
        out_fill[row][col] = "#ffcc66"
        out_labels[row][col] = f"z{row}{col}"
        title = f"forward: z[{row},{col}] = b + sum over u, v of K[u,v] * xp[{stride * row}+u, {stride * col}+v]"
    else:
        rp, cp = row + padding, col + padding
        in_fill[rp][cp] = "#ffcc66"
        in_labels[rp][cp] = f"x{row}{col}"
        reached = 0
        for i in range(Ho):
            for j in range(Wo):
                u, v = rp - stride * i, cp - stride * j
                if 0 <= u < kh and 0 <= v < kw:
                    out_fill[i][j] = colors[u * kw + v]
                    out_labels[i][j] = f"K{u}{v}" if compact else f"δ{i}{j}·K{u}{v}"
                    reached += 1
        si, sj = ("i", "j") if stride == 1 else (f"{stride}i", f"{stride}j")
        title = (f"backward: dx[{row},{col}] = sum of the {reached} coloured δ[i,j] * K[{rp}-{si}, {cp}-{sj}]"
                 + (f"  (padding {padding}: x[{row},{col}] is xp[{rp},{cp}])" if padding else ""))
    own = ax is None
    if own:
        fig, ax = new_figure(size=(0.42 * (Wp + Wo + kw + 4) + 1.0, 0.42 * max(Hp, Ho) + 1.1))
    else:
        fig = ax.figure
    _draw_grid(ax, Hp, Wp, 0, 0, in_labels, in_fill,
               "" if compact else f"input {H}x{W}" + (f" padded by {padding}" if padding else ""), pad=padding)
    ox = Wp + 1
    if not compact:
        _draw_grid(ax, kh, kw, ox, 0, [[f"K{u}{v}" for v in range(kw)] for u in range(kh)],
                   [[colors[u * kw + v] for v in range(kw)] for u in range(kh)], "kernel K")
        ox += kw + 1
    _draw_grid(ax, Ho, Wo, ox, 0, out_labels, out_fill,
               "" if compact else f"output {Ho}x{Wo}" + (" (δ)" if mode == "backward" else ""))
    ax.set_xlim(-0.3, ox + Wo + 0.3)
    ax.set_ylim(max(Hp, Ho, kh) + 0.3, -0.3 if compact else -1.3)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if own:
        fig.suptitle(title, fontsize=9)
    else:
        ax.set_title(f"{'z' if mode == 'forward' else 'x'}[{row},{col}]", fontsize=9)
    return fig


def conv_window_grid(H: int = 3, W: int = 3, kh: int = 2, kw: int = 2, stride: int = 1, padding: int = 0,
                     mode: str = "backward") -> Figure:
    """The static version of the conv_window widget: one small panel per output (forward) or
    per input pixel (backward)."""
    Ho, Wo = _check_geometry(H, W, kh, kw, stride, padding, "conv_window_grid")
    rows, cols = (Ho, Wo) if mode == "forward" else (H, W)
    Hp, Wp = H + 2 * padding, W + 2 * padding
    fig, axes = new_figure(rows, cols, size=(0.36 * (Wp + Wo + 1.5) * cols, (0.36 * max(Hp, Ho) + 0.35) * rows + 0.5))
    axes = np.array(axes).reshape(rows, cols)
    for r in range(rows):
        for c in range(cols):
            conv_window(H, W, kh, kw, stride, padding, r, c, mode, ax=axes[r, c])
    fig.suptitle(("forward: the input window (left) that each output (right) reads" if mode == "forward" else
                  "backward: for each input pixel (left), the outputs whose δ reach it and the weight they pass"),
                 fontsize=9)
    return fig


def pool_backward(x, dout, kernel_size: int = 2, kind: str = "max") -> Figure:
    """Three panels for a single-channel example: x with the pooling windows (the winners
    boxed for max pooling), the incoming delta, and dx."""
    from bpcourse.conv import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward

    x = np.asarray(x, dtype=float)
    dout = np.asarray(dout, dtype=float)
    if x.ndim != 2 or dout.ndim != 2:
        raise ValueError(f"pool_backward: expected 2-D x and dout, got shapes {x.shape} and {dout.shape}")
    if kind not in ("max", "avg"):
        raise ValueError(f"pool_backward: expected kind 'max' or 'avg', got {kind!r}")
    fwd, bwd = (maxpool2d_forward, maxpool2d_backward) if kind == "max" else (avgpool2d_forward, avgpool2d_backward)
    out = fwd(x[None, None], kernel_size)[0, 0]
    dx = bwd(dout[None, None], x[None, None], kernel_size)[0, 0]
    k = kernel_size
    fig, axes = new_figure(1, 4, size=(11.0, 3.0))
    panels = [(x, "x (windows outlined)"), (out, f"{kind}-pooled output"), (dout, "δ arriving from above"),
              (dx, "dx: δ routed back" if kind == "max" else "dx: δ shared evenly")]
    for ax, (arr, title) in zip(axes.flat, panels):
        ax.imshow(np.zeros_like(arr), cmap="Greys", vmin=0, vmax=1)
        for (r, c), val in np.ndenumerate(arr):
            ax.text(c, r, f"{val:g}", ha="center", va="center", fontsize=9)
        ax.set_xticks(np.arange(-0.5, arr.shape[1]), minor=True)
        ax.set_yticks(np.arange(-0.5, arr.shape[0]), minor=True)
        ax.grid(which="minor", color="0.75", lw=0.6)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        ax.set_title(title, fontsize=9)
    for ax in (axes.flat[0], axes.flat[3]):
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                ax.add_patch(Rectangle((j * k - 0.5, i * k - 0.5), k, k, fill=False, edgecolor="tab:blue", lw=2))
    if kind == "max":
        winners = bwd(np.ones_like(dout)[None, None], x[None, None], kernel_size)[0, 0]
        for (r, c), val in np.ndenumerate(winners):
            if val != 0:
                for ax in (axes.flat[0], axes.flat[3]):
                    ax.add_patch(Rectangle((c - 0.45, r - 0.45), 0.9, 0.9, fill=False, edgecolor="tab:red", lw=2))
    return fig


def timing_bars(times: dict, title: str = "", unit: str = "ms") -> Figure:
    """Horizontal bars, one per entry {label: seconds}, on a log axis, each labelled with its value."""
    labels = list(times)
    values = np.array([times[k] for k in labels], dtype=float) * (1e3 if unit == "ms" else 1.0)
    fig, ax = new_figure(size=(6.5, 0.45 * len(labels) + 1.0))
    ax.barh(range(len(labels)), values, color=["tab:gray" if "naive" in k else "tab:blue" for k in labels])
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.3g} {unit}", va="center", fontsize=8)
    ax.set_xlim(values.min() / 2, values.max() * 8)
    ax.set(xlabel=f"time ({unit}, log scale)", title=title)
    return fig


def learning_curves(curves: dict, xlabel: str = "SGD steps", ylabel: str = "test accuracy",
                    title: str = "") -> Figure:
    """One line per entry {label: (x values, y values)}: for curves measured at different x."""
    fig, ax = new_figure(size=(6.0, 3.6))
    for label, (xs, ys) in curves.items():
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        if xs.shape != ys.shape:
            raise ValueError(f"learning_curves: curve {label!r} has {xs.size} x values and {ys.size} y values")
        ax.plot(xs, ys, marker="o", ms=3, label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
