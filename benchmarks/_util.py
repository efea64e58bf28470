"""Shared helpers for the benchmark scripts: timing, peak memory, the table."""

from __future__ import annotations

import time
import tracemalloc


def peak_mb(fn) -> float:
    """Peak MiB of Python-visible allocations (numpy arrays included) during one call of fn."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def measure(fn, repeat: int = 3):
    """(best wall-clock seconds over `repeat` calls, peak traced MiB of one call, last result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, peak_mb(fn), result


def row(workload: str, ours_s: float | None, ref_s: float | None = None, peak_mb: float | None = None,
        note: str = "", target: str = "", met: bool | None = None) -> dict:
    """One line of the results table; ratio = ours / reference when there is a reference."""
    ratio = ours_s / ref_s if ours_s is not None and ref_s else None
    return {"workload": workload, "ours_s": ours_s, "ref_s": ref_s, "ratio": ratio, "peak_mb": peak_mb,
            "target": target, "met": met, "note": note}


def _fmt(v, spec: str) -> str:
    return "–" if v is None else format(v, spec)


def table(rows: list[dict]) -> str:
    """A Markdown table of rows."""
    lines = ["| workload | ours (s) | reference (s) | ratio | peak MiB | target | met | note |",
             "|---|---:|---:|---:|---:|---|---|---|"]
    for r in rows:
        met = {True: "yes", False: "**no**", None: "–"}[r.get("met")]
        lines.append(f"| {r['workload']} | {_fmt(r['ours_s'], '.3f')} | {_fmt(r['ref_s'], '.3f')} | "
                     f"{_fmt(r['ratio'], '.2f')} | {_fmt(r['peak_mb'], '.1f')} | {r.get('target', '')} | {met} | "
                     f"{r.get('note', '')} |")
    return "\n".join(lines)
