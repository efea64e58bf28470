"""Plots for chapter 1 (the multilayer perceptron), and the small measurements they show.

Pure functions: parameters or data in, a matplotlib Figure (or a dict of numbers)
out.  The paralysis explorer in bpcourse.widgets.mlp redraws `paralysis_plot`;
its static fallback for the HTML book is `paralysis_small_multiples`.
Measurements take `rng` and are deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from bpcourse import data
from bpcourse._checks import check_int, check_real
from bpcourse.layers import ActivationLayer, Dense
from bpcourse.network import SGD, Sequential, fit
from bpcourse.plots.common import new_figure

__all__ = [
    "network_diagram", "chain_cost_plot", "training_modes_plot", "gradcheck_h_plot",
    "PARALYSIS_ACTIVATIONS", "paralysis_run", "paralysis_plot", "paralysis_small_multiples",
    "paralysis_trace", "paralysis_trace_plot", "saturated_fraction",
]

#: The hidden activations the paralysis explorer offers.
PARALYSIS_ACTIVATIONS = ("sigmoid", "tanh", "relu")


# --- a picture of the network ------------------------------------------------------------------

def network_diagram(sizes, node_text: dict | None = None, edge_text: dict | None = None,
                    layer_names=None, title: str = "") -> Figure:
    """Circles for the neurons of a fully connected net with layer sizes `sizes`, lines for the weights.

    node_text {(layer, i): str} writes a label next to neuron i of layer `layer` (0 = input);
    edge_text {(layer, j, i): str} writes a label on the weight from neuron j of layer-1 to neuron i
    of `layer`.  layer_names: one caption per layer, written under it.
    """
    sizes = [check_int(s, "network_diagram", "layer size", low=1) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"network_diagram: expected at least 2 layer sizes, got {sizes}")
    node_text = node_text or {}
    edge_text = edge_text or {}
    fig, ax = new_figure(size=(2.3 * len(sizes) + 1.0, 0.9 * max(sizes) + 1.2))
    top = max(sizes)

    coords = {(l, i): (l * 2.3, (sizes[l] - 1) / 2 - i) for l in range(len(sizes)) for i in range(sizes[l])}
    for l in range(1, len(sizes)):
        for j in range(sizes[l - 1]):
            for i in range(sizes[l]):
                (x0, y0), (x1, y1) = coords[(l - 1, j)], coords[(l, i)]
                ax.plot([x0, x1], [y0, y1], color="0.6", lw=0.8, zorder=1)
                label = edge_text.get((l, j, i))
                if label is not None:
                    t = 0.3 if sizes[l] > 1 else 0.55
                    ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), label, fontsize=8.5, ha="center",
                            va="center", color="C3", zorder=3,
                            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
    for (l, i), (xc, yc) in coords.items():
        color = "C0" if l == 0 else ("C2" if l == len(sizes) - 1 else "C1")
        ax.scatter([xc], [yc], s=420, color=color, zorder=2, edgecolors="k", linewidths=0.6)
        label = node_text.get((l, i))
        if label is not None:
            ax.text(xc, yc + 0.33, label, fontsize=9, ha="center", va="bottom", zorder=4)
    if layer_names is not None:
        low = -(top - 1) / 2 - 0.75
        for l, name in enumerate(layer_names):
            ax.text(l * 2.3, low, name, ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.8, 2.3 * (len(sizes) - 1) + 0.8)
    ax.set_ylim(-(top - 1) / 2 - 1.3, (top - 1) / 2 + 0.9)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


# --- the cost of the chain rule -----------------------------------------------------------------

def chain_cost_plot(cost: dict, title: str = "") -> Figure:
    """Left: multiplications of the per-weight chain rule and of backprop against depth (log-log).
    Right: the measured seconds, if `cost` has them (a dict from bpcourse.chain.chain_cost)."""
    depth = np.asarray(cost["depth"], dtype=float)
    timed = "naive_seconds" in cost
    fig, axes = new_figure(1, 2 if timed else 1, size=(9.0 if timed else 5.0, 3.4))
    axes = np.atleast_1d(axes).ravel()
    ax = axes[0]
    ax.loglog(depth, cost["naive_mults"], "o-", color="C3", label="chain rule, weight by weight")
    ax.loglog(depth, cost["backprop_mults"], "s-", color="C0", label="backprop (delta reused)")
    ax.set(xlabel="depth L", ylabel="multiplications", title="counted")
    if timed:
        axes[1].loglog(depth, cost["naive_seconds"], "o-", color="C3", label="chain rule, weight by weight")
        axes[1].loglog(depth, cost["backprop_seconds"], "s-", color="C0", label="backprop (delta reused)")
        axes[1].set(xlabel="depth L", ylabel="seconds", title="measured")
    for a in axes:
        a.grid(alpha=0.3, which="both")
        a.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


# --- online, mini-batch, full batch ---------------------------------------------------------------

def training_modes_plot(runs: dict, title: str = "") -> Figure:
    """runs {label: (losses per epoch, updates per epoch)}: loss against epochs (left) and
    against the number of weight updates (right, log scale)."""
    fig, axes = new_figure(1, 2, size=(9.5, 3.4))
    for k, (label, (losses, per_epoch)) in enumerate(runs.items()):
        losses = np.asarray(losses, dtype=float)
        per_epoch = check_int(per_epoch, "training_modes_plot", "updates per epoch", low=1)
        epochs = np.arange(1, len(losses) + 1)
        axes[0, 0].plot(epochs, losses, color=f"C{k}", label=label)
        axes[0, 1].plot(epochs * per_epoch, losses, color=f"C{k}", label=label)
    axes[0, 0].set(xlabel="epoch", ylabel="training loss", yscale="log")
    axes[0, 1].set(xlabel="weight updates", ylabel="training loss", xscale="log", yscale="log")
    for ax in axes.flat:
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


# --- gradient checking ---------------------------------------------------------------------------

def gradcheck_h_plot(hs, errors: dict, title: str = "") -> Figure:
    """Relative error of a numerical gradient against the step h (log-log), one line per entry
    {label: errors}, with the bands of bpcourse.gradcheck's reading guide shaded."""
    hs = np.asarray(hs, dtype=float)
    fig, ax = new_figure(size=(5.5, 3.5))
    ax.axhspan(1e-4, 10.0, color="red", alpha=0.08, lw=0, label="> 1e-4: wrong")
    ax.axhspan(1e-7, 1e-4, color="orange", alpha=0.10, lw=0, label="1e-7 .. 1e-4: suspicious")
    for k, (label, values) in enumerate(errors.items()):
        values = np.asarray(values, dtype=float)
        if values.shape != hs.shape:
            raise ValueError(f"gradcheck_h_plot: expected {hs.shape[0]} errors for {label!r}, got {values.shape}")
        ax.loglog(hs, np.maximum(values, 1e-17), "o-", ms=3, color=f"C{k}", label=label)
    ax.set(xlabel="step h", ylabel="relative error", title=title, ylim=(1e-13, 3.0))
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    return fig


# --- network paralysis -------------------------------------------------------------------------

def saturated_fraction(df, df_max: float) -> float:
    """Fraction of entries of f'(z) below 1% of the largest value f' can take (1/4 for sigmoid, 1 for tanh)."""
    df = np.asarray(df, dtype=float)
    return float(np.mean(df < 0.01 * df_max))


_DF_MAX = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}


def _paralysis_net(activation: str, scale: float, hidden: int, n_in: int, rng: int):
    return Sequential(Dense(n_in, hidden, init="lecun", scale=scale, rng=rng), ActivationLayer(activation),
                      Dense(hidden, 1, init="lecun", scale=scale, rng=rng + 1), ActivationLayer("tanh"))


def _check_activation(activation, where: str) -> str:
    if activation not in PARALYSIS_ACTIVATIONS:
        raise ValueError(f"{where}: expected activation in {PARALYSIS_ACTIVATIONS}, got {activation!r}")
    return activation


def paralysis_run(scale: float = 1.0, activation: str = "sigmoid", epochs: int = 30, lr: float = 0.1,
                  batch_size: int = 20, n: int = 200, hidden: int = 16, rng: int = 0) -> dict:
    """Train 36 -> hidden (activation) -> 1 (tanh) on face_vs_background(n) with mse, weights drawn
    with std scale/sqrt(n_in) ("lecun" times scale).

    Returns {"z": hidden pre-activations at the start (n, hidden), "df": f'(z) there,
    "df_max": the largest f' can be, "saturated": fraction of f' below 1% of df_max,
    "loss": training loss per epoch}.
    """
    scale = check_real(scale, "paralysis_run", "scale", low=0.0, low_open=True)
    activation = _check_activation(activation, "paralysis_run")
    rng = check_int(rng, "paralysis_run", "rng", low=0)
    X, y = data.face_vs_background(n=n, rng=rng)
    net = _paralysis_net(activation, scale, hidden, X.shape[1], rng + 1)
    z = net[0].forward(X)
    df = net[1].activation.df(z)
    history = fit(net, X, y, "mse", SGD(lr), epochs=epochs, batch_size=batch_size, rng=rng, progress=False,
                  metric=None)
    return {"z": z, "df": df, "df_max": _DF_MAX[activation],
            "saturated": saturated_fraction(df, _DF_MAX[activation]), "loss": list(history.loss)}


def _draw_run(ax_z, ax_df, ax_loss, run: dict, activation: str, scale: float, short: bool = False) -> None:
    z, df = run["z"].ravel(), run["df"].ravel()
    lim = max(4.0, float(np.abs(z).max()))
    ax_z.hist(z, bins=40, range=(-lim, lim), color="C0", histtype="stepfilled")
    ax_df.hist(df, bins=40, range=(0.0, run["df_max"]), color="C1", histtype="stepfilled")
    ax_loss.plot(np.arange(1, len(run["loss"]) + 1), run["loss"], color="C3")
    ax_loss.set_ylim(0.0, max(1.3, 1.05 * max(run["loss"])))
    if short:
        ax_z.set_title(f"scale {scale:g}", fontsize=9)
    else:
        ax_z.set(title=f"hidden pre-activations z (scale {scale:g})", xlabel="z")
        ax_df.set(title=f"{activation}'(z): {run['saturated']:.0%} below 1% of max", xlabel=f"{activation}'(z)")
        ax_loss.set(title=f"training loss: {run['loss'][0]:.3f} -> {run['loss'][-1]:.3f}", xlabel="epoch")
    for ax in (ax_z, ax_df, ax_loss):
        ax.grid(alpha=0.3)
        ax.title.set_fontsize(9)


def paralysis_plot(scale: float = 1.0, activation: str = "sigmoid", epochs: int = 30, rng: int = 0) -> Figure:
    """The paralysis explorer's picture: histograms of z and f'(z) at the start, and the loss curve
    of a short training run (paralysis_run)."""
    run = paralysis_run(scale, activation, epochs=epochs, rng=rng)
    # fixed margins instead of constrained layout: the widget redraws this, and layout is half the render time
    fig = Figure(figsize=(10.0, 3.0))
    axes = fig.subplots(1, 3)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.16, top=0.9, wspace=0.22)
    _draw_run(axes[0], axes[1], axes[2], run, activation, scale)
    axes[0].set_ylabel("count")
    return fig


def paralysis_small_multiples(scales=(0.3, 1.0, 3.0, 10.0, 30.0), activation: str = "sigmoid",
                              epochs: int = 30, rng: int = 0) -> Figure:
    """Static fallback of the paralysis explorer: one column per initial weight scale; rows show
    the z histogram, the f'(z) histogram and the loss curve."""
    scales = [check_real(s, "paralysis_small_multiples", "scale", low=0.0, low_open=True) for s in scales]
    if not scales:
        raise ValueError("paralysis_small_multiples: expected at least one scale, got none")
    activation = _check_activation(activation, "paralysis_small_multiples")
    fig, axes = new_figure(3, len(scales), size=(2.1 * len(scales) + 0.6, 6.0))
    for k, scale in enumerate(scales):
        run = paralysis_run(scale, activation, epochs=epochs, rng=rng)
        _draw_run(axes[0, k], axes[1, k], axes[2, k], run, activation, scale, short=True)
        axes[1, k].set_title(f"{run['saturated']:.0%} saturated", fontsize=8)
        axes[2, k].set_title(f"loss {run['loss'][-1]:.3f}", fontsize=8)
        axes[2, k].set_xlabel("epoch")
    axes[0, 0].set_ylabel("z")
    axes[1, 0].set_ylabel(f"{activation}'(z)")
    axes[2, 0].set_ylabel("loss")
    fig.suptitle(f"{activation} hidden layer: initial weight scale from {scales[0]:g} to {scales[-1]:g}")
    return fig


def paralysis_trace(lr: float, epochs: int = 40, activation: str = "sigmoid", scale: float = 1.0,
                    batch_size: int = 20, n: int = 200, hidden: int = 16, rng: int = 0) -> dict:
    """Train the paralysis_run network and record, before training and after each epoch:
    "loss", "w_out" (mean |W| of the output layer), "df_out" (mean tanh'(z) of the output unit),
    "df_hidden" (mean f'(z) of the hidden layer), over the training set."""
    lr = check_real(lr, "paralysis_trace", "lr", low=0.0, low_open=True)
    activation = _check_activation(activation, "paralysis_trace")
    X, y = data.face_vs_background(n=n, rng=rng)
    net = _paralysis_net(activation, scale, hidden, X.shape[1], rng + 1)
    trace = {"loss": [], "w_out": [], "df_out": [], "df_hidden": []}

    def record(_epoch, net, history=None):
        z1 = net[0].forward(X)
        z2 = net[2].forward(net[1].forward(z1))
        trace["loss"].append(float(0.5 * np.mean((np.tanh(z2) - y) ** 2)))
        trace["w_out"].append(float(np.abs(net[2].params["W"]).mean()))
        trace["df_out"].append(float(net[3].activation.df(z2).mean()))
        trace["df_hidden"].append(float(net[1].activation.df(z1).mean()))

    record(0, net)
    fit(net, X, y, "mse", SGD(lr), epochs=epochs, batch_size=batch_size, rng=rng, progress=False, metric=None,
        callback=record)
    return trace


def paralysis_trace_plot(traces: dict, title: str = "") -> Figure:
    """traces {label: paralysis_trace(...)}: loss, output weights, output f' and hidden f' against epochs."""
    fig, axes = new_figure(1, 4, size=(12.0, 3.0))
    panels = [("loss", "training loss"), ("w_out", "mean |W| of the output layer"),
              ("df_out", "mean tanh'(z) of the output"), ("df_hidden", "mean f'(z) of the hidden layer")]
    for k, (label, trace) in enumerate(traces.items()):
        for ax, (key, _) in zip(axes.flat, panels):
            ax.plot(np.arange(len(trace[key])), trace[key], color=f"C{k}", label=label)
    for ax, (_, name) in zip(axes.flat, panels):
        ax.set(xlabel="epoch", title=name)
        ax.title.set_fontsize(9)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
