"""Restricted Boltzmann machine with binary units, trained by contrastive divergence.

    E(v, h) = -aᵀv - bᵀh - vᵀWh          W: (n_visible, n_hidden), a: (n_visible,), b: (n_hidden,)
    p(v, h) = exp(-E(v, h)) / Z
    p(h_j = 1 | v) = σ(b_j + Σ_i v_i W_ij)     p(v_i = 1 | h) = σ(a_i + Σ_j W_ij h_j)
    F(v) = -aᵀv - Σ_j softplus(b_j + (vW)_j),   p(v) = exp(-F(v)) / Z

Arrays are batch-first: v is (N, n_visible), h is (N, n_hidden).  Gradients are
of the average log-likelihood (so they point uphill): data statistics minus model
statistics.  The hidden statistics use p(h|v) rather than sampled h (less noise,
same expectation).  Exact log Z and log-likelihood are computed by enumerating the
smaller layer and summing the other one out analytically; they refuse when that
needs more than 2**20 terms.

Simple, readable numpy; not optimized beyond using matrix products.
"""

from __future__ import annotations

import itertools

import numpy as np

from bpcourse._checks import as_float_array, check_int, check_real, make_rng

__all__ = ["RBM", "softplus", "all_binary", "train_dbn", "dbn_features", "brute_force_log_partition"]

MAX_ENUMERATION_BITS = 20


def softplus(t):
    """log(1 + e^t), stable for large |t|."""
    t = np.asarray(t, dtype=np.float64)
    return np.logaddexp(0.0, t)


def all_binary(n: int) -> np.ndarray:
    """Every binary vector of length n, (2**n, n), in counting order (first bit most significant)."""
    n = check_int(n, "all_binary", "n", low=0, high=MAX_ENUMERATION_BITS)
    if n == 0:
        return np.zeros((1, 0))
    codes = np.arange(2 ** n)[:, None]
    return ((codes >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)


def _sigmoid(t: np.ndarray) -> np.ndarray:
    """σ(t) through exp(-|t|), the same values as bpcourse.activations.sigmoid but without its
    input check: the RBM checks its inputs once per call and calls this in its inner loops."""
    e = np.exp(-np.abs(t))
    return np.where(t >= 0, 1.0, e) / (1.0 + e)


def _bernoulli(p: np.ndarray, gen: np.random.Generator) -> np.ndarray:
    """1.0 with probability p, else 0.0, independently for every entry."""
    return (gen.random(p.shape) < p).astype(np.float64)


def _logsumexp(x: np.ndarray) -> float:
    m = np.max(x)
    return float(m + np.log(np.sum(np.exp(x - m))))


class RBM:
    """A binary-binary RBM.  RBM(n_visible, n_hidden, rng=0) draws W ~ N(0, scale²), a = b = 0.

    params: {"W": (n_visible, n_hidden), "a": (n_visible,), "b": (n_hidden,)}.
    rng (seed or Generator) is used for the initial weights and for every sample
    drawn later unless a method is given its own rng.
    """

    def __init__(self, n_visible: int, n_hidden: int, rng=None, scale: float = 0.01) -> None:
        self.n_visible = check_int(n_visible, "RBM", "n_visible", low=1)
        self.n_hidden = check_int(n_hidden, "RBM", "n_hidden", low=1)
        scale = check_real(scale, "RBM", "scale", low=0.0)
        self.rng = make_rng(rng, "RBM")
        self.params = {
            "W": self.rng.normal(0.0, scale, size=(self.n_visible, self.n_hidden)),
            "a": np.zeros(self.n_visible),
            "b": np.zeros(self.n_hidden),
        }
        self.chain = None  # persistent fantasy particles (visible states) for persistent CD

    def __repr__(self) -> str:
        return f"RBM(n_visible={self.n_visible}, n_hidden={self.n_hidden})"

    @property
    def W(self) -> np.ndarray:
        return self.params["W"]

    @property
    def a(self) -> np.ndarray:
        return self.params["a"]

    @property
    def b(self) -> np.ndarray:
        return self.params["b"]

    # ---- input checks --------------------------------------------------------
    def _layer(self, x, where: str, name: str, width: int, binary: bool) -> np.ndarray:
        x = as_float_array(x, where, name)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != width:
            raise ValueError(f"{where}: expected {name} of shape (N, {width}) or ({width},), got {x.shape}")
        if binary:
            if not np.all((x == 0.0) | (x == 1.0)):
                bad = np.unique(x[(x != 0.0) & (x != 1.0)])[:3]
                raise ValueError(f"{where}: expected {name} to be binary (only 0 and 1), got values such as {bad}; "
                                 f"binarize first, e.g. (X > 0.5).astype(float)")
        elif np.any((x < 0.0) | (x > 1.0)) or not np.all(np.isfinite(x)):
            raise ValueError(f"{where}: expected {name} in [0, 1], got values in [{x.min()}, {x.max()}]")
        return x

    def _v(self, v, where, binary=True):
        return self._layer(v, where, "v", self.n_visible, binary)

    def _h(self, h, where, binary=True):
        return self._layer(h, where, "h", self.n_hidden, binary)

    def _rng(self, rng, where):
        return self.rng if rng is None else make_rng(rng, where)

    # ---- energy and probabilities -------------------------------------------
    def energy(self, v, h) -> np.ndarray:
        """E(v, h) = -aᵀv - bᵀh - vᵀWh.  v: (N, nv), h: (N, nh) -> (N,)."""
        v = self._v(v, "RBM.energy")
        h = self._h(h, "RBM.energy")
        if v.shape[0] != h.shape[0]:
            raise ValueError(f"RBM.energy: expected v and h with the same number of rows, got {v.shape} and {h.shape}")
        return -(v @ self.a) - (h @ self.b) - np.sum((v @ self.W) * h, axis=1)

    def free_energy(self, v) -> np.ndarray:
        """F(v) = -aᵀv - Σ_j softplus(b_j + (vW)_j), so that Σ_h e^{-E(v,h)} = e^{-F(v)}.  v: (N, nv) -> (N,)."""
        v = self._v(v, "RBM.free_energy")
        return -(v @ self.a) - np.sum(softplus(v @ self.W + self.b), axis=1)

    def free_energy_hidden(self, h) -> np.ndarray:
        """The same with the roles swapped: F(h) = -bᵀh - Σ_i softplus(a_i + (Wh)_i).  h: (N, nh) -> (N,)."""
        h = self._h(h, "RBM.free_energy_hidden")
        return -(h @ self.b) - np.sum(softplus(h @ self.W.T + self.a), axis=1)

    def p_h_given_v(self, v) -> np.ndarray:
        """p(h_j = 1 | v) = σ(b_j + Σ_i v_i W_ij).  v: (N, nv) in [0, 1] -> (N, nh)."""
        return self._p_h(self._v(v, "RBM.p_h_given_v", binary=False))

    def p_v_given_h(self, h) -> np.ndarray:
        """p(v_i = 1 | h) = σ(a_i + Σ_j W_ij h_j).  h: (N, nh) in [0, 1] -> (N, nv)."""
        return self._p_v(self._h(h, "RBM.p_v_given_h", binary=False))

    # Unchecked versions for the inner loops: the public methods check their inputs once,
    # then the Gibbs steps and statistics below run on arrays known to be valid.
    def _p_h(self, v):
        """p(h = 1 | v) = σ(b + vW), unchecked.  v: (N, nv) -> (N, nh)."""
        return _sigmoid(v @ self.W + self.b)

    def _p_v(self, h):
        """p(v = 1 | h) = σ(a + hWᵀ), unchecked.  h: (N, nh) -> (N, nv)."""
        return _sigmoid(h @ self.W.T + self.a)

    def _gibbs(self, v, k: int, gen, p_h=None):
        """k Gibbs steps from v (unchecked); p_h = p(h|v) when the caller has it already."""
        for _ in range(k):
            h = _bernoulli(self._p_h(v) if p_h is None else p_h, gen)
            v = _bernoulli(self._p_v(h), gen)
            p_h = None
        return v

    def sample_h_given_v(self, v, rng=None):
        """Draw h ~ p(h | v), each unit independently.  Returns (p, h), both (N, nh)."""
        p = self.p_h_given_v(v)
        return p, _bernoulli(p, self._rng(rng, "RBM.sample_h_given_v"))

    def sample_v_given_h(self, h, rng=None):
        """Draw v ~ p(v | h), each unit independently.  Returns (p, v), both (N, nv)."""
        p = self.p_v_given_h(h)
        return p, _bernoulli(p, self._rng(rng, "RBM.sample_v_given_h"))

    def gibbs_step(self, v, rng=None) -> np.ndarray:
        """One step of block Gibbs sampling, v -> h ~ p(h|v) -> v' ~ p(v|h).  Returns v' (N, nv)."""
        return self.gibbs_chain(v, 1, rng)

    def gibbs_chain(self, v, k: int, rng=None) -> np.ndarray:
        """k Gibbs steps from v; returns the visible state after the last one, (N, nv)."""
        k = check_int(k, "RBM.gibbs_chain", "k", low=1)
        gen = self._rng(rng, "RBM.gibbs_chain")
        return self._gibbs(self._v(v, "RBM.gibbs_chain"), k, gen)

    def run_chain(self, v0, n_steps: int, rng=None) -> dict:
        """Record a chain v0 -> h0 -> v1 -> h1 ... for n_steps steps (for plots and widgets).

        Returns {"v": (T+1, nv), "h": (T+1, nh), "energy": (T+1,), "free_energy": (T+1,)}
        with h_t ~ p(h | v_t) and energy E(v_t, h_t).
        """
        n_steps = check_int(n_steps, "RBM.run_chain", "n_steps", low=0)
        gen = self._rng(rng, "RBM.run_chain")
        v = self._v(v0, "RBM.run_chain")
        if v.shape[0] != 1:
            raise ValueError(f"RBM.run_chain: expected one visible vector v0, got shape {v.shape}")
        vs, hs = [], []
        for t in range(n_steps + 1):
            h = _bernoulli(self._p_h(v), gen)
            vs.append(v[0])
            hs.append(h[0])
            if t < n_steps:
                v = _bernoulli(self._p_v(h), gen)
        V, H = np.array(vs), np.array(hs)
        return {"v": V, "h": H, "energy": self.energy(V, H), "free_energy": self.free_energy(V)}

    # ---- gradients -------------------------------------------------------------
    def statistics(self, v) -> dict:
        """Sufficient statistics averaged over the rows of v, with p(h|v) for h:
        {"W": <v hᵀ> (nv, nh), "a": <v> (nv,), "b": <h> (nh,)}."""
        v = self._v(v, "RBM.statistics")
        ph = self._p_h(v)
        return {"W": v.T @ ph / v.shape[0], "a": v.mean(axis=0), "b": ph.mean(axis=0)}

    def contrastive_gradients(self, v_data, v_model) -> dict:
        """Data statistics minus model statistics: {"W": <vhᵀ>_data - <vhᵀ>_model, "a": ..., "b": ...}.

        v_data: (N, nv) the data batch; v_model: (M, nv) the end of the negative chains.
        Hidden statistics use p(h|v), not sampled h.
        """
        v0 = self._v(v_data, "RBM.contrastive_gradients")
        vk = self._v(v_model, "RBM.contrastive_gradients")
        return self._difference(v0, self._p_h(v0), vk)

    def _difference(self, v0, ph0, vk) -> dict:
        """Batch means at the data v0 minus at the chain ends vk, with p(h|v) for h:
        <v hᵀ>⁰ - <v hᵀ>ᵏ, <v>⁰ - <v>ᵏ, <h>⁰ - <h>ᵏ.  ph0 = p(h|v0), already computed."""
        phk = self._p_h(vk)
        return {"W": v0.T @ ph0 / len(v0) - vk.T @ phk / len(vk),
                "a": v0.mean(axis=0) - vk.mean(axis=0),
                "b": ph0.mean(axis=0) - phk.mean(axis=0)}

    def cd_gradients(self, v, k: int = 1, persistent: bool = False, rng=None) -> dict:
        """CD-k estimate of the gradient of the mean log-likelihood of the batch v (N, nv).

        Negative phase: k Gibbs steps started at the data (CD-k) or, with persistent=True,
        at the persistent chains self.chain (M, nv), which are then moved on (PCD,
        Tieleman 2008; they start as a copy of v when there are none yet).
        Returns {"W": (nv, nh), "a": (nv,), "b": (nh,)}: <·>⁰ - <·>ᵏ.
        """
        k = check_int(k, "RBM.cd_gradients", "k", low=1)
        gen = self._rng(rng, "RBM.cd_gradients")
        return self._cd(self._v(v, "RBM.cd_gradients"), k, persistent, gen)

    def _cd(self, v, k: int, persistent: bool, gen) -> dict:
        """cd_gradients on a checked batch v: the inner loop of fit."""
        ph0 = self._p_h(v)  # used twice: to sample h⁰ and in the data statistics
        if persistent:
            if self.chain is None:
                self.chain = v.copy()
            self.chain = self._gibbs(self.chain, k, gen)
            v_k = self.chain
        else:
            v_k = self._gibbs(v, k, gen, p_h=ph0)
        return self._difference(v, ph0, v_k)

    # ---- exact quantities for small models ---------------------------------------
    def _check_enumerable(self, where: str) -> None:
        bits = min(self.n_visible, self.n_hidden)
        if bits > MAX_ENUMERATION_BITS:
            raise ValueError(f"{where}: exact enumeration needs 2**{bits} terms (min(n_visible, n_hidden) = {bits}); "
                             f"the limit is 2**{MAX_ENUMERATION_BITS}. Use a smaller model, or estimate instead "
                             f"(e.g. reconstruction error, pseudo-likelihood)")

    def _enumerate(self, where: str, chunk: int = 2 ** 14):
        """Yield (states, -F(states), layer) over the smaller layer in chunks."""
        self._check_enumerable(where)
        layer = "h" if self.n_hidden <= self.n_visible else "v"
        n = self.n_hidden if layer == "h" else self.n_visible
        for start in range(0, 2 ** n, chunk):
            codes = np.arange(start, min(start + chunk, 2 ** n))[:, None]
            states = ((codes >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)
            neg_f = -self.free_energy_hidden(states) if layer == "h" else -self.free_energy(states)
            yield states, neg_f, layer

    def log_partition(self) -> float:
        """log Z = log Σ_v Σ_h e^{-E(v,h)}, exact: enumerate the smaller layer, sum the other out."""
        parts = [_logsumexp(neg_f) for _, neg_f, _ in self._enumerate("RBM.log_partition")]
        return _logsumexp(np.array(parts))

    def log_likelihood(self, V) -> float:
        """Mean exact log p(v) = mean(-F(v)) - log Z over the rows of V (N, nv); small models only."""
        V = self._v(V, "RBM.log_likelihood")
        self._check_enumerable("RBM.log_likelihood")
        return float(np.mean(-self.free_energy(V)) - self.log_partition())

    def model_statistics(self) -> dict:
        """Exact model expectations {"W": E[v hᵀ], "a": E[v], "b": E[h]} by enumeration (small models)."""
        log_z = self.log_partition()
        out = {"W": np.zeros_like(self.W), "a": np.zeros_like(self.a), "b": np.zeros_like(self.b)}
        for states, neg_f, layer in self._enumerate("RBM.model_statistics"):
            p = np.exp(neg_f - log_z)  # marginal probability of each enumerated state
            if layer == "h":
                h, ev = states, self.p_v_given_h(states)  # E[v | h]
                out["W"] += (ev * p[:, None]).T @ h
                out["a"] += p @ ev
                out["b"] += p @ h
            else:
                v, eh = states, self.p_h_given_v(states)  # E[h | v]
                out["W"] += (v * p[:, None]).T @ eh
                out["a"] += p @ v
                out["b"] += p @ eh
        return out

    def exact_gradients(self, V) -> dict:
        """Exact gradient of the mean log-likelihood of V: data statistics minus exact model statistics."""
        pos = self.statistics(self._v(V, "RBM.exact_gradients"))
        neg = self.model_statistics()
        return {key: pos[key] - neg[key] for key in pos}

    def expected_cd_gradients(self, V, k: int = 1) -> dict:
        """The expectation of cd_gradients(V, k) over the sampling noise, computed exactly.

        Each row of V starts a chain; its distribution after k Gibbs steps is propagated
        with the visible-to-visible transition matrix T[v, v'] = Σ_h p(h|v) p(v'|h).
        Needs 2**n_visible visible states (n_visible <= 12), for studying the bias of CD-k.
        """
        k = check_int(k, "RBM.expected_cd_gradients", "k", low=1)
        V = self._v(V, "RBM.expected_cd_gradients")
        if self.n_visible > 12:
            raise ValueError(f"RBM.expected_cd_gradients: needs a 2**n_visible square transition matrix; "
                             f"expected n_visible <= 12, got {self.n_visible}")
        states = all_binary(self.n_visible)  # (S, nv)
        T = self._transition_matrix(states)
        index = (V @ (2 ** np.arange(self.n_visible - 1, -1, -1))).astype(int)
        q = np.zeros(len(states))
        np.add.at(q, index, 1.0 / V.shape[0])
        for _ in range(k):
            q = q @ T
        ph = self.p_h_given_v(states)
        pos = self.statistics(V)
        neg = {"W": (states * q[:, None]).T @ ph, "a": q @ states, "b": q @ ph}
        return {key: pos[key] - neg[key] for key in pos}

    def _transition_matrix(self, states: np.ndarray) -> np.ndarray:
        """T[v, v'] = Σ_h p(h|v) p(v'|h), by enumerating h (small n_hidden) ."""
        if self.n_hidden > 14:
            raise ValueError(f"RBM.expected_cd_gradients: enumerates the hidden layer; expected n_hidden <= 14, "
                             f"got {self.n_hidden}")
        hs = all_binary(self.n_hidden)
        ph = self.p_h_given_v(states)                                   # (S, nh)
        p_h = np.prod(np.where(hs[None] == 1.0, ph[:, None], 1.0 - ph[:, None]), axis=2)  # (S, 2^nh)
        pv = self.p_v_given_h(hs)                                       # (2^nh, nv)
        p_v = np.prod(np.where(states[None] == 1.0, pv[:, None], 1.0 - pv[:, None]), axis=2)  # (2^nh, S)
        return p_h @ p_v

    # ---- estimates for larger models ------------------------------------------
    def reconstruction_error(self, V) -> float:
        """Mean squared error per pixel between V and its mean-field reconstruction p(v | p(h|V))."""
        V = self._v(V, "RBM.reconstruction_error", binary=False)
        R = self.p_v_given_h(self.p_h_given_v(V))
        return float(np.mean((V - R) ** 2))

    def pseudo_log_likelihood(self, V) -> float:
        """Mean over rows of Σ_i log p(v_i | v_-i), with p(v_i | v_-i) = σ(F(v with bit i flipped) - F(v)).

        Exact (every bit flipped in turn), unlike scikit-learn's one-random-bit estimate
        (which is n_visible times the term for one random i).
        """
        V = self._v(V, "RBM.pseudo_log_likelihood")
        f = self.free_energy(V)
        total = np.zeros(V.shape[0])
        for i in range(self.n_visible):
            flipped = V.copy()
            flipped[:, i] = 1.0 - flipped[:, i]
            total += -softplus(-(self.free_energy(flipped) - f))  # log σ(t) = -softplus(-t)
        return float(np.mean(total))

    # ---- training -------------------------------------------------------------
    def fit(self, V, epochs: int = 10, lr: float = 0.1, batch_size: int = 10, k: int = 1,
            momentum: float = 0.0, persistent: bool = False, n_chains: int | None = None, rng=None,
            progress: bool = True, callback=None) -> dict:
        """Mini-batch CD-k (or persistent CD) gradient ascent on the mean log-likelihood of V (N, nv).

        persistent=True keeps n_chains fantasy chains (default: batch_size) in self.chain
        across updates and calls; each update moves them on by k Gibbs steps.
        Momentum as in PyTorch: vel = momentum·vel + g;  θ += lr·vel  (ascent).
        callback(epoch, rbm), if given, is called after every epoch; whatever it returns
        (when not None) is appended to history["callback"].
        Returns history {"reconstruction_error": [per epoch], "callback": [...]}.
        """
        V = self._v(V, "RBM.fit")
        epochs = check_int(epochs, "RBM.fit", "epochs", low=0)
        lr = check_real(lr, "RBM.fit", "lr", low=0.0)
        batch_size = check_int(batch_size, "RBM.fit", "batch_size", low=1)
        k = check_int(k, "RBM.fit", "k", low=1)
        momentum = check_real(momentum, "RBM.fit", "momentum", low=0.0, high=1.0, high_open=True)
        if callback is not None and not callable(callback):
            raise TypeError(f"RBM.fit: expected callback to be callable or None, got {type(callback).__name__}")
        gen = self._rng(rng, "RBM.fit")
        if persistent:
            n_chains = batch_size if n_chains is None else check_int(n_chains, "RBM.fit", "n_chains", low=1)
            if self.chain is None or self.chain.shape[0] != n_chains:  # start the chains at random data rows
                self.chain = V[gen.choice(V.shape[0], n_chains, replace=n_chains > V.shape[0])].copy()
        velocity = {key: np.zeros_like(p) for key, p in self.params.items()}
        history = {"reconstruction_error": [], "callback": []}
        epoch_range = range(epochs)
        if progress:
            from tqdm.auto import tqdm
            epoch_range = tqdm(epoch_range, desc="RBM.fit", leave=False)
        for epoch in epoch_range:
            order = gen.permutation(V.shape[0])
            for start in range(0, V.shape[0], batch_size):
                batch = V[order[start:start + batch_size]]
                grads = self._cd(batch, k, persistent, gen)  # V was checked above
                for key, g in grads.items():
                    velocity[key] = momentum * velocity[key] + g
                    self.params[key] += lr * velocity[key]
            history["reconstruction_error"].append(self.reconstruction_error(V))
            if callback is not None:
                out = callback(epoch, self)
                if out is not None:
                    history["callback"].append(out)
        return history

    def transform(self, V) -> np.ndarray:
        """Hidden features p(h = 1 | v) for the rows of V (N, nv) in [0, 1] -> (N, nh)."""
        return self.p_h_given_v(V)


# ---- deep belief nets: greedy layer-wise stacking ------------------------------
def train_dbn(V, layer_sizes, rng=None, progress: bool = True, **fit_kwargs) -> list:
    """Greedy layer-wise training (Hinton, Osindero & Teh 2006): an RBM on V, then an RBM on
    its hidden activities, and so on.  Each next layer sees binary samples h ~ p(h|v) of the
    previous one.  layer_sizes: hidden sizes, e.g. [100, 50].  Returns the list of RBMs.
    """
    gen = make_rng(rng, "train_dbn")
    sizes = [check_int(n, "train_dbn", "layer size", low=1) for n in layer_sizes]
    if not sizes:
        raise ValueError("train_dbn: expected at least one layer size, got none")
    X = as_float_array(V, "train_dbn", "V", ndim=2)
    rbms = []
    for n_hidden in sizes:
        rbm = RBM(X.shape[1], n_hidden, rng=gen)
        rbm.fit(X, rng=gen, progress=progress, **fit_kwargs)
        rbms.append(rbm)
        X = rbm.sample_h_given_v(X, gen)[1]
    return rbms


def dbn_features(rbms, V) -> np.ndarray:
    """Deterministic up-pass: x <- p(h = 1 | x) through every RBM of the stack.  V: (N, nv) -> (N, n_last)."""
    X = as_float_array(V, "dbn_features", "V", ndim=2)
    for rbm in rbms:
        X = rbm.p_h_given_v(X)
    return X


def brute_force_log_partition(rbm: RBM) -> float:
    """log Z by the literal double sum over every (v, h); only for n_visible + n_hidden <= 20 (tests, teaching)."""
    if rbm.n_visible + rbm.n_hidden > MAX_ENUMERATION_BITS:
        raise ValueError(f"brute_force_log_partition: expected n_visible + n_hidden <= {MAX_ENUMERATION_BITS}, "
                         f"got {rbm.n_visible + rbm.n_hidden}")
    terms = [-rbm.energy(np.array(v), np.array(h))[0]
             for v in itertools.product([0.0, 1.0], repeat=rbm.n_visible)
             for h in itertools.product([0.0, 1.0], repeat=rbm.n_hidden)]
    return _logsumexp(np.array(terms))

