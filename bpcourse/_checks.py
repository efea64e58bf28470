"""Input checks shared by the package: every message names the function, what
it expected and what it got, in words a student can act on."""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(x, where: str, name: str = "x", ndim: int | None = None) -> np.ndarray:
    """Return x as a float64 array, or raise TypeError/ValueError naming `where`."""
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except Exception as err:  # ragged lists and other oddities
            raise TypeError(f"{where}: expected {name} to be an array of numbers, got {type(x).__name__}") from err
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{where}: expected {name} to hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False) if arr.dtype != np.float64 else arr
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{where}: expected {name} with {ndim} dimensions, got shape {arr.shape}")
    return arr


def check_real(value, where: str, name: str, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """Return value as a float after checking it is a finite real number in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: expected {name} to be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{where}: expected a finite {name}, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"{where}: expected {name} {op} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        op = "<" if high_open else "<="
        raise ValueError(f"{where}: expected {name} {op} {high}, got {value}")
    return value


def check_int(value, where: str, name: str, low: int | None = None, high: int | None = None) -> int:
    """Return value as an int after checking its type and range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: expected {name} to be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{where}: expected {name} >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{where}: expected {name} <= {high}, got {value}")
    return value


def check_shape(arr: np.ndarray, shape: tuple, where: str, name: str) -> None:
    """Raise ValueError unless arr.shape matches shape (None matches any size)."""
    ok = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape))
    if not ok:
        want = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{where}: expected {name} of shape {want}, got {arr.shape}")


def make_rng(rng, where: str) -> np.random.Generator:
    """np.random.default_rng(rng), with a clear error for anything else."""
    if rng is None or isinstance(rng, (np.random.Generator, numbers.Integral, np.random.SeedSequence)):
        if isinstance(rng, bool):
            raise TypeError(f"{where}: expected rng to be a seed (int) or numpy Generator, got bool")
        return np.random.default_rng(rng)
    raise TypeError(f"{where}: expected rng to be a seed (int) or numpy Generator, got {type(rng).__name__}")
