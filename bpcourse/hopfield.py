"""Hopfield network: binary units s_i in {-1, +1}, symmetric weights, zero diagonal.

    E(s) = -1/2 sᵀ W s + θᵀ s,        unit i turns on  (s_i = +1) when  Σ_j w_ij s_j > θ_i,
                                       and off (s_i = -1) when            Σ_j w_ij s_j < θ_i.

A single-unit (asynchronous) update changes the energy by
ΔE = -(s_i' - s_i) (Σ_j w_ij s_j - θ_i) ≤ 0  (w_ii = 0), so asynchronous recall
never climbs in energy and stops in a local minimum.  Synchronous updates (all
units at once) carry no such guarantee and can oscillate between two states.

Ties (Σ_j w_ij s_j = θ_i) keep the unit's current state.  A tie is exact in the
mathematics but, with W = Σ ξ ξᵀ / N, the computed field can come out as ±1e-17
depending on the order BLAS sums in; so |h_i - θ_i| < TIE_TOL counts as a tie, and
recall gives the same result on every machine and thread count.
States are batch-first: one state is (n_units,), a batch is (B, n_units).
"""

from __future__ import annotations

import numpy as np

from bpcourse._checks import as_float_array, check_int, make_rng

__all__ = ["Hopfield", "TIE_TOL"]

#: Fields closer than this to the threshold count as ties (rounding noise, not signal).
TIE_TOL = 1e-9


def _sign_or_keep(u, s):
    """+1 where u > 0, -1 where u < 0, s where u is 0 up to rounding (|u| < TIE_TOL)."""
    return np.where(u > TIE_TOL, 1.0, np.where(u < -TIE_TOL, -1.0, s))


def _check_states(s, n: int, where: str, name: str = "s") -> np.ndarray:
    """s as float64 of shape (n,) or (B, n) holding only -1 and +1."""
    s = as_float_array(s, where, name)
    if s.ndim not in (1, 2) or s.shape[-1] != n:
        raise ValueError(f"{where}: expected {name} of shape ({n},) or (B, {n}), got {s.shape}")
    if not np.all((s == 1.0) | (s == -1.0)):
        bad = np.unique(s[(s != 1.0) & (s != -1.0)])[:5]
        raise ValueError(f"{where}: expected {name} to hold only -1 and +1 (bipolar states), got values such as {bad}")
    return s


class Hopfield:
    """A Hopfield network of n_units bipolar units with thresholds θ (default 0).

    net.W: (n, n) symmetric with zero diagonal;  net.theta: (n,).
    """

    def __init__(self, n_units: int, theta=None) -> None:
        self.n_units = check_int(n_units, "Hopfield", "n_units", low=1)
        self.W = np.zeros((self.n_units, self.n_units))
        if theta is None:
            self.theta = np.zeros(self.n_units)
        else:
            self.theta = as_float_array(theta, "Hopfield", "theta", ndim=1).copy()
            if self.theta.shape != (self.n_units,):
                raise ValueError(f"Hopfield: expected theta of shape ({self.n_units},), got {self.theta.shape}")
        self.n_patterns = 0

    def __repr__(self) -> str:
        return f"Hopfield(n_units={self.n_units}, n_patterns={self.n_patterns})"

    # ---- storage -----------------------------------------------------------
    def store(self, patterns) -> Hopfield:
        """Hebbian rule, added to what is stored: W += (1/n) Σ_μ ξ^μ ξ^μᵀ, then w_ii = 0.

        patterns: (P, n) of -1/+1 (or one pattern (n,)).  Returns self.
        """
        xi = _check_states(patterns, self.n_units, "Hopfield.store", "patterns")
        xi = np.atleast_2d(xi)
        self.W += xi.T @ xi / self.n_units
        np.fill_diagonal(self.W, 0.0)  # no self-connections: needed for the energy argument
        self.n_patterns += xi.shape[0]
        return self

    # ---- energy and updates ------------------------------------------------
    def energy(self, s):
        """E(s) = -1/2 sᵀ W s + θᵀ s.  s: (n,) -> float, or (B, n) -> (B,)."""
        s = _check_states(s, self.n_units, "Hopfield.energy")
        return -0.5 * np.sum((s @ self.W) * s, axis=-1) + s @ self.theta

    def local_field(self, s) -> np.ndarray:
        """h_i = Σ_j w_ij s_j.  s: (n,) or (B, n) -> same shape."""
        s = _check_states(s, self.n_units, "Hopfield.local_field")
        return s @ self.W  # W is symmetric

    def update_sync(self, s) -> np.ndarray:
        """All units at once: s_i <- +1 if h_i > θ_i, -1 if h_i < θ_i, unchanged on a tie."""
        s = _check_states(s, self.n_units, "Hopfield.update_sync")
        u = s @ self.W - self.theta
        return _sign_or_keep(u, s)

    def update_async(self, s, rng=None, order=None, trace: bool = False):
        """One sweep: every unit once, one at a time, in `order` (default: a random permutation from rng).

        s: (n,) or (B, n); a batch uses the same order for every state.  Returns the new
        state, and with trace=True also the energies after each single-unit update, (n,) or (n, B).
        """
        s = _check_states(s, self.n_units, "Hopfield.update_async").copy()
        if order is None:
            order = make_rng(rng, "Hopfield.update_async").permutation(self.n_units)
        else:
            order = np.asarray(order)
            if order.ndim != 1 or not np.issubdtype(order.dtype, np.integer) or \
                    np.any((order < 0) | (order >= self.n_units)):
                raise ValueError(f"Hopfield.update_async: expected order to be 1-D unit indices in "
                                 f"[0, {self.n_units}), got {order!r}")
        energy = self.energy(s) if trace else None
        energies = []
        for i in order:
            u = s @ self.W[:, i] - self.theta[i]          # h_i - θ_i
            new = _sign_or_keep(u, s[..., i])
            if trace:
                energy = energy - (new - s[..., i]) * u   # ΔE = -(s_i' - s_i)(h_i - θ_i) <= 0
                energies.append(energy)
            s[..., i] = new
        return (s, np.array(energies)) if trace else s

    def recall(self, s, mode: str = "async", max_sweeps: int = 100, rng=None, trace: bool = False):
        """Update until nothing changes (or max_sweeps sweeps); return the final state.

        mode "async": sweeps of single-unit updates in random order; "sync": all units at once.
        With trace=True also return the energies along the way: after every single-unit
        update (async) or after every synchronous step (sync), starting with E(s).
        """
        if mode not in ("async", "sync"):
            raise ValueError(f"Hopfield.recall: expected mode 'async' or 'sync', got {mode!r}")
        max_sweeps = check_int(max_sweeps, "Hopfield.recall", "max_sweeps", low=1)
        s = _check_states(s, self.n_units, "Hopfield.recall")
        gen = make_rng(rng, "Hopfield.recall")
        energies = [self.energy(s)] if trace else None
        for _ in range(max_sweeps):
            if mode == "async":
                if trace:
                    new, e = self.update_async(s, order=gen.permutation(self.n_units), trace=True)
                    energies.extend(e)
                else:
                    new = self.update_async(s, order=gen.permutation(self.n_units))
            else:
                new = self.update_sync(s)
                if trace:
                    energies.append(self.energy(new))
            if np.array_equal(new, s):
                s = new
                break
            s = new
        return (s, np.array(energies)) if trace else s

    def is_fixed_point(self, s) -> np.ndarray:
        """True where no single unit would change: s == update_sync(s).  (n,) -> bool, (B, n) -> (B,)."""
        s = _check_states(s, self.n_units, "Hopfield.is_fixed_point")
        return np.all(self.update_sync(s) == s, axis=-1)
