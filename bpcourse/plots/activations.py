"""Plots for the activations chapter, and the small measurements they show.

Pure functions: parameters in, a matplotlib Figure (or a dict of numbers) out.
The widgets in bpcourse.widgets.activations redraw these; the book calls them
directly.  Measurements take `rng` and are deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator
from threadpoolctl import threadpool_limits

from bpcourse import activations
from bpcourse._checks import check_int, check_real, make_rng
from bpcourse.layers import INITS, ActivationLayer, Dense
from bpcourse.network import SGD, Sequential, accuracy, fit
from bpcourse.plots.common import new_figure

__all__ = [
    "ACTIVATION_PARAMS", "RECOMMENDED_INIT", "activation_params", "activation_curves", "activation_gallery",
    "swish_beta_curves", "gradient_flow", "gradient_flow_plot", "gradient_flow_gallery",
    "layer_stats_plot", "dead_units", "heatmap", "comparison_plot", "make_mlp", "compare_activations",
]

#: Which of the explorer's controls (alpha, beta, lam) each activation uses.
ACTIVATION_PARAMS = {
    "sigmoid": (), "tanh": (), "identity": (), "relu": (),
    "leaky_relu": ("alpha",), "elu": ("alpha",), "selu": ("alpha", "lam"), "swish": ("beta",),
}

#: The weight initialisation each activation is usually paired with.
RECOMMENDED_INIT = {
    "sigmoid": "xavier", "tanh": "xavier", "identity": "lecun", "relu": "he", "leaky_relu": "he",
    "elu": "he", "selu": "lecun", "swish": "he",
}

_COLORS = {"sigmoid": "C0", "tanh": "C1", "relu": "C2", "leaky_relu": "C3", "elu": "C4", "selu": "C5",
           "swish": "C6", "identity": "C7"}


def activation_params(name: str, alpha: float | None = None, beta: float | None = None,
                      lam: float | None = None) -> dict:
    """The keyword arguments `name` takes, picked from alpha/beta/lam (None: the default)."""
    given = {"alpha": alpha, "beta": beta, "lam": lam}
    act = activations.get(name)
    return {k: given[k] for k in ACTIVATION_PARAMS.get(act.name, ()) if given[k] is not None}


def _label(act) -> str:
    args = ", ".join(f"{k}={v:.3g}" for k, v in act.params.items())
    return f"{act.name}({args})" if args else act.name


def _regions(t, d, sat: float):
    """Boolean masks: dead (f' == 0) and saturated (0 < |f'| < sat)."""
    dead = d == 0
    return dead, (~dead) & (np.abs(d) < sat)


def _quick_figure(ncols: int, size: tuple, top: float = 0.86):
    """A Figure with fixed margins (no constrained layout: the widgets redraw it, and layout costs most of
    the render time).  Returns (fig, list of axes)."""
    fig = Figure(figsize=size)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    fig.subplots_adjust(left=0.08 if ncols > 1 else 0.1, right=0.98, bottom=0.15, top=top, wspace=0.25)
    return fig, list(axes)


def _shade(ax, t, mask, color, label):
    if mask.any():
        ax.fill_between(t, 0, 1, where=mask, color=color, alpha=0.18, transform=ax.get_xaxis_transform(),
                        label=label, linewidth=0)


def activation_curves(name: str = "relu", alpha: float | None = None, beta: float | None = None,
                      lam: float | None = None, t_min: float = -5.0, t_max: float = 5.0,
                      sat: float = 0.05, n: int = 801) -> Figure:
    """f(t) and f'(t) on one axis; the dead region (f' = 0) shaded red, the
    saturated one (0 < |f'| < sat: delta passes at under sat of its size) shaded orange."""
    act = activations.get(name, **activation_params(name, alpha, beta, lam))
    t_min = check_real(t_min, "activation_curves", "t_min")
    t_max = check_real(t_max, "activation_curves", "t_max")
    if t_max <= t_min:
        raise ValueError(f"activation_curves: expected t_min < t_max, got {t_min} and {t_max}")
    t = np.linspace(t_min, t_max, check_int(n, "activation_curves", "n", low=3))
    f, d = act.f(t), act.df(t)
    dead, saturated = _regions(t, d, sat)
    fig, (ax,) = _quick_figure(1, (6.0, 3.6), top=0.91)
    _shade(ax, t, dead, "red", "dead: f'(t) = 0")
    _shade(ax, t, saturated, "orange", f"saturated: |f'(t)| < {sat:g}")
    ax.plot(t, f, color="C0", lw=2, label="f(t)")
    ax.plot(t, d, color="C3", lw=2, ls="--", label="f'(t)")
    ax.axhline(0, color="k", lw=0.6)
    ax.axvline(0, color="k", lw=0.6)
    lo, hi = min(f.min(), d.min()), max(f.max(), d.max())
    pad = 0.08 * (hi - lo + 1e-9)
    ax.set(xlim=(t_min, t_max), ylim=(max(lo, -3.0) - pad, min(hi, 6.0) + pad), xlabel="t",
           title=f"{_label(act)}:  max f' = {d.max():.3g},  dead {dead.mean():.0%},  saturated {saturated.mean():.0%}"
           " of the range")
    ax.title.set_fontsize(9)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


#: Parameter values shown side by side in the static gallery.
_GALLERY = {
    "sigmoid": [{}], "tanh": [{}], "relu": [{}],
    "leaky_relu": [{"alpha": 0.01}, {"alpha": 0.1}, {"alpha": 0.3}],
    "elu": [{"alpha": 0.5}, {"alpha": 1.0}, {"alpha": 2.0}],
    "selu": [{}],
    "swish": [{"beta": 0.5}, {"beta": 1.0}, {"beta": 5.0}],
}


_SYMBOL = {"alpha": "α", "beta": "β", "lam": "λ"}


def activation_gallery(names=None, t_min: float = -5.0, t_max: float = 5.0, sat: float = 0.05) -> Figure:
    """Small multiples: f (top) and f' (bottom) for each activation, a few parameter values each.
    The static stand-in for the activation explorer."""
    names = list(_GALLERY) if names is None else list(names)
    t = np.linspace(t_min, t_max, 401)
    fig, axes = new_figure(2, len(names), size=(2.1 * len(names), 4.2), sharex=True)
    for j, name in enumerate(names):
        for k, params in enumerate(_GALLERY.get(name, [{}])):
            act = activations.get(name, **params)
            f, d = act.f(t), act.df(t)
            label = ", ".join(f"{_SYMBOL.get(p, p)} = {v:g}" for p, v in params.items()) or None
            axes[0, j].plot(t, f, color=f"C{k}", label=label)
            axes[1, j].plot(t, d, color=f"C{k}", ls="--")
            if k == 0:
                dead, saturated = _regions(t, d, sat)
                _shade(axes[1, j], t, dead, "red", None)
                _shade(axes[1, j], t, saturated, "orange", None)
        axes[0, j].set_title(name, fontsize=9)
        axes[0, j].set_ylim(-2.2, 5.2)
        axes[1, j].set_ylim(-0.15, 2.1)
        if len(_GALLERY.get(name, [{}])) > 1:
            axes[0, j].legend(fontsize=7, loc="upper left")
        for i in range(2):
            axes[i, j].axhline(0, color="k", lw=0.5)
            axes[i, j].grid(alpha=0.3)
        axes[1, j].set_xlabel("t")
    axes[0, 0].set_ylabel("f(t)")
    axes[1, 0].set_ylabel("f'(t)  (red: dead, orange: saturated)")
    axes[1, 0].yaxis.label.set_fontsize(8)
    return fig


def swish_beta_curves(betas=(0.0, 0.5, 1.0, 2.0, 5.0, 50.0), t_min: float = -4.0, t_max: float = 4.0) -> Figure:
    """Swish(t) = t sigma(beta t) for several beta, with its two limits t/2 (beta = 0) and ReLU (beta -> inf)."""
    t = np.linspace(t_min, t_max, 401)
    fig, axes = new_figure(1, 2, size=(9.0, 3.5))
    for k, beta in enumerate(betas):
        axes[0, 0].plot(t, activations.swish(t, beta), color=f"C{k}", label=f"β = {beta:g}")
        axes[0, 1].plot(t, activations.swish_grad(t, beta), color=f"C{k}")
    axes[0, 0].plot(t, t / 2, "k:", lw=1.5, label="t/2  (β → 0)")
    axes[0, 0].plot(t, activations.relu(t), "k--", lw=1.0, label="ReLU  (β → ∞)")
    axes[0, 0].set(title="Swish(t) = t σ(βt)", xlabel="t")
    axes[0, 1].set(title="d/dt Swish(t) = σ(βt) + βt σ(βt)(1 − σ(βt))", xlabel="t")
    axes[0, 1].title.set_fontsize(9)
    axes[0, 0].legend(fontsize=7)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.axhline(0, color="k", lw=0.5)
    return fig


# --- gradient flow through depth -----------------------------------------------------------

def gradient_flow(activation: str = "relu", depth: int = 30, init: str | None = None, scale: float = 1.0,
                  width: int = 64, n: int = 256, rng=0, **params) -> dict:
    """Push N(0, 1) inputs through `depth` blocks Dense(width, width) -> activation, then send a
    N(0, 1) gradient back from the top.  Returns per-layer arrays (index 0 = first layer):
      delta_norm ||delta^l|| = ||dC/dz^l|| per example (root mean square over the batch), the error of BP2
      grad_norm  ||dC/dW^l|| of each Dense layer (Frobenius)
      mean, std  of the activations a^l = f(z^l)
      dead       fraction of units with z <= 0 for every example (for ReLU: f' = 0 on the whole batch)
    init: "he", "lecun", "xavier", "normal" or None for the activation's usual one; scale multiplies its std.
    """
    depth = check_int(depth, "gradient_flow", "depth", low=1, high=1000)
    width = check_int(width, "gradient_flow", "width", low=1)
    n = check_int(n, "gradient_flow", "n", low=2)
    act = activations.get(activation, **params)
    init = RECOMMENDED_INIT.get(act.name, "he") if init is None else init
    if init not in INITS:
        raise ValueError(f"gradient_flow: unknown init {init!r}; expected one of {sorted(INITS)}")
    gen = make_rng(rng, "gradient_flow")
    dense = [Dense(width, width, init=init, scale=scale, rng=gen) for _ in range(depth)]
    acts = [ActivationLayer(act) for _ in range(depth)]
    a, outs, delta_norm = gen.normal(size=(n, width)), [], []
    # small matrices: one BLAS thread is faster, and steady when other processes share the CPU
    with threadpool_limits(1, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
        for d, f in zip(dense, acts):
            a = f.forward(d.forward(a))
            outs.append(a)
        dout = gen.normal(size=a.shape)
        for d, f in zip(reversed(dense), reversed(acts)):
            delta = f.backward(dout)                       # delta^l = dC/dz^l  (BP1/BP2)
            delta_norm.append(np.sqrt(np.mean(np.sum(delta ** 2, axis=1))))
            dout = d.backward(delta)
        stats = {
            "delta_norm": np.array(delta_norm[::-1]),
            "grad_norm": np.array([np.linalg.norm(d.grads["W"]) for d in dense]),
            "mean": np.array([x.mean() for x in outs]),
            "std": np.array([x.std() for x in outs]),
            "dead": np.array([np.mean(~(f.z > 0).any(axis=0)) for f in acts]),
        }
    stats.update(activation=act.name, init=init, scale=float(scale), depth=depth)
    return stats


def _positive(v):
    v = np.asarray(v, dtype=float)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)


def gradient_flow_plot(activation: str = "relu", depth: int = 30, init: str | None = None, scale: float = 1.0,
                       width: int = 64, n: int = 256, rng=0, **params) -> Figure:
    """Left: ||delta^l|| and ||dC/dW^l|| per layer (log scale).  Right: mean and std of the activations."""
    s = gradient_flow(activation, depth, init, scale, width, n, rng, **params)
    layer = np.arange(1, s["depth"] + 1)
    fig, axes = _quick_figure(2, (9.0, 3.6), top=0.84)
    axes = np.array([axes])
    color = _COLORS.get(s["activation"], "C0")
    delta, g = _positive(s["delta_norm"]), _positive(s["grad_norm"])
    axes[0, 0].semilogy(layer, delta, "o-", ms=3, color=color, label="||delta|| = ||dC/dz||")
    axes[0, 0].semilogy(layer, g, "--", color=color, alpha=0.6, label="||dC/dW||")
    ratio = delta[0] / delta[-1]
    axes[0, 0].set(xlabel="layer (1 = next to the input)", ylabel="norm (log scale)",
                   title=f"gradient per layer; ||delta|| first/last = {ratio:.2g}")
    axes[0, 0].legend(fontsize=8)
    axes[0, 0].yaxis.set_minor_locator(NullLocator())  # minor log ticks are most of the render time
    axes[0, 1].plot(layer, s["mean"], label="mean of a")
    axes[0, 1].plot(layer, s["std"], label="std of a")
    if s["dead"].any():
        axes[0, 1].plot(layer, s["dead"], ls=":", label="dead fraction")
    axes[0, 1].axhline(0, color="k", lw=0.5)
    axes[0, 1].axhline(1, color="k", lw=0.5, ls="--")
    values = np.r_[s["mean"], s["std"], 1.0]
    top = min(np.nanmax(np.abs(np.where(np.isfinite(values), values, np.nan))), 1e6)
    low = -top if np.nanmin(s["mean"]) < -0.1 else 0.0
    axes[0, 1].set(xlabel="layer", title="activation statistics", ylim=(low - 0.1, top * 1.1 + 0.1))
    axes[0, 1].legend(fontsize=8)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.title.set_fontsize(9)
    fig.suptitle(f"{s['activation']}, init {s['init']} x {s['scale']:g}, depth {s['depth']}", fontsize=10)
    return fig


def gradient_flow_gallery(names=("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "swish"), depth: int = 30,
                          scales=(0.8, 1.0, 1.25), width: int = 64, n: int = 256, rng=0) -> Figure:
    """Small multiples over the initialisation scale: ||delta^l|| per layer for each activation with its usual
    init.  The static stand-in for the gradient-flow explorer."""
    fig, axes = new_figure(1, len(scales), size=(3.3 * len(scales), 3.4), sharey=True)
    layer = np.arange(1, depth + 1)
    for j, scale in enumerate(scales):
        ax = axes[0, j]
        for name in names:
            s = gradient_flow(name, depth, None, scale, width, n, rng)
            ax.semilogy(layer, _positive(s["delta_norm"]), color=_COLORS.get(name, None), label=f"{name} ({s['init']})")
        ax.set(title=f"init scale x {scale:g}", xlabel="layer")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("||δ|| = ||dC/dz||  (log)")
    axes[0, -1].legend(fontsize=7)
    fig.suptitle(f"||δ|| per layer, depth {depth}: each activation with its usual init, std times the scale",
                 fontsize=10)
    return fig


def layer_stats_plot(stats: dict, title: str = "") -> Figure:
    """Mean (left) and variance (right) of the activations per layer, one line per entry of
    stats {label: gradient_flow(...) result}."""
    fig, axes = new_figure(1, 2, size=(9.0, 3.4))
    for k, (label, s) in enumerate(stats.items()):
        layer = np.arange(1, len(s["mean"]) + 1)
        axes[0, 0].plot(layer, s["mean"], color=f"C{k}", label=label)
        axes[0, 1].semilogy(layer, s["std"] ** 2, color=f"C{k}", label=label)
    axes[0, 0].axhline(0, color="k", lw=0.6)
    axes[0, 1].axhline(1, color="k", lw=0.6, ls="--")
    axes[0, 0].set(xlabel="layer", title="mean of the activations")
    axes[0, 1].set(xlabel="layer", title="variance of the activations (log)")
    axes[0, 0].legend(fontsize=8)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


# --- dead ReLUs during training --------------------------------------------------------------

class _EverActive(ActivationLayer):
    """ActivationLayer that remembers which units had z > 0 on any example it has seen."""

    def __init__(self, activation, **params) -> None:
        super().__init__(activation, **params)
        self.ever = None

    def forward(self, z):
        out = super().forward(z)
        active = (self.z > 0).any(axis=0)
        self.ever = active if self.ever is None else (self.ever | active)
        return out


def dead_units(X, y, X_test, y_test, bias: float = 0.0, lr: float = 0.1, momentum: float = 0.9,
               activation: str = "relu", width: int = 100, epochs: int = 10, batch_size: int = 32, rng=0,
               **params) -> dict:
    """Train 64-width-width-10 (He init, hidden biases start at `bias`) with SGD and report
      never:    fraction of hidden units whose z <= 0 on every training batch of every epoch
      dead_end: fraction with z <= 0 on every training example for the final weights
      acc:      test accuracy (nan if the loss overflowed)."""
    gen = make_rng(rng, "dead_units")
    seeds = gen.integers(0, 2**31, size=4)
    d_in = X.shape[1]
    n_classes = int(np.max(y_test)) + 1
    hidden = [_EverActive(activation, **params), _EverActive(activation, **params)]
    net = Sequential(Dense(d_in, width, bias=bias, rng=seeds[0]), hidden[0],
                     Dense(width, width, bias=bias, rng=seeds[1]), hidden[1],
                     Dense(width, n_classes, rng=seeds[2]))
    with threadpool_limits(1, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
        try:
            fit(net, X, y, loss="softmax_cross_entropy", optimizer=SGD(lr, momentum), epochs=epochs,
                batch_size=batch_size, rng=seeds[3], metric=None, progress=False)
            diverged = False
        except FloatingPointError:
            diverged = True
        never = float(np.mean(np.concatenate([~h.ever for h in hidden])))  # training batches only
        acc = float("nan") if diverged else accuracy(net.forward(X_test), y_test)
        net.forward(X)
    dead_end = float(np.mean(np.concatenate([~(h.z > 0).any(axis=0) for h in hidden])))
    return {"never": never, "dead_end": dead_end, "acc": float(acc)}


def make_mlp(activation: str, depth: int = 2, width: int = 64, d_in: int = 64, d_out: int = 10, init: str | None = None,
        rng=0, **params) -> Sequential:
    """d_in -> [Dense(width) -> activation] x depth -> Dense(d_out): the network of the chapter's comparisons.
    Hidden layers use `init` (None: the activation's usual one), the output layer Xavier."""
    act = activations.get(activation, **params)
    init = RECOMMENDED_INIT.get(act.name, "he") if init is None else init
    gen = make_rng(rng, "make_mlp")
    layers, n = [], check_int(d_in, "make_mlp", "d_in", low=1)
    for _ in range(check_int(depth, "make_mlp", "depth", low=0)):
        layers += [Dense(n, width, init=init, rng=gen), ActivationLayer(act)]
        n = width
    layers.append(Dense(n, d_out, init="xavier", rng=gen))
    return Sequential(layers)


def compare_activations(names, X, y, X_test, y_test, seeds=range(5), depth: int = 2, width: int = 64,
                        epochs: int = 10, lr: float = 0.05, momentum: float = 0.9, batch_size: int = 32) -> dict:
    """Test accuracy {name: array over seeds} of make_mlp(name, depth, width) trained with the same SGD budget;
    seed s draws the weights and the batch order.  A run whose loss overflows scores nan."""
    results = {}
    for name in names:
        accs = []
        for seed in seeds:
            net = make_mlp(name, depth, width, X.shape[1], int(np.max(y)) + 1, rng=seed)
            try:
                with threadpool_limits(1, user_api="blas"), np.errstate(over="ignore", invalid="ignore"):
                    fit(net, X, y, loss="softmax_cross_entropy", optimizer=SGD(lr, momentum), epochs=epochs,
                        batch_size=batch_size, rng=seed, metric=None, progress=False)
                    accs.append(accuracy(net.forward(X_test), y_test))
            except FloatingPointError:
                accs.append(float("nan"))
        results[name] = np.array(accs)
    return results


def heatmap(values, row_labels, col_labels, title: str = "", xlabel: str = "", ylabel: str = "",
            fmt: str = "{:.2f}", cmap: str = "Reds", vmin: float = 0.0, vmax: float = 1.0) -> Figure:
    """A table of numbers as coloured cells, each cell labelled with its value (nan shown as 'nan')."""
    values = np.asarray(values, dtype=float)
    if values.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"heatmap: values of shape {values.shape} do not match "
                         f"{len(row_labels)} row and {len(col_labels)} column labels")
    fig, ax = new_figure(size=(0.9 * len(col_labels) + 1.6, 0.42 * len(row_labels) + 1.2))
    ax.imshow(np.nan_to_num(values, nan=vmax), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            dark = np.isfinite(v) and (v - vmin) > 0.6 * (vmax - vmin)
            ax.text(j, i, "nan" if not np.isfinite(v) else fmt.format(v), ha="center", va="center",
                    fontsize=8, color="white" if dark or not np.isfinite(v) else "black")
    ax.set(xticks=range(len(col_labels)), xticklabels=[str(c) for c in col_labels],
           yticks=range(len(row_labels)), yticklabels=[str(r) for r in row_labels],
           xlabel=xlabel, ylabel=ylabel, title=title)
    ax.title.set_fontsize(9)
    return fig


def comparison_plot(results: dict, ylabel: str = "test accuracy", title: str = "") -> Figure:
    """One column of dots per entry of results {label: values over seeds}, with mean +- std bars."""
    fig, ax = new_figure(size=(6.5, 3.4))
    for k, values in enumerate(results.values()):
        v = np.asarray(values, dtype=float)
        ax.errorbar(k, v.mean(), yerr=v.std(), fmt="s", color="k", capsize=4, zorder=3)
        ax.plot(np.full(v.size, k) + np.linspace(-0.15, 0.15, v.size), v, "o", color=f"C{k}", alpha=0.7)
    ax.set_xticks(range(len(results)), list(results), rotation=20)
    ax.set(ylabel=ylabel, title=title)
    ax.grid(alpha=0.3, axis="y")
    return fig
