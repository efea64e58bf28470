"""Run every benchmark, print one table and write it to benchmarks/RESULTS.md with the machine.

    python benchmarks/run_all.py            # everything, including `make book` and `make test`
    python benchmarks/run_all.py --quick    # skip the two whole-project timings

Ratios are measured side by side in this run; absolute times are for information.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _util import row, table  # noqa: E402

MODULES = ["bench_train", "bench_conv", "bench_rbm", "bench_grading", "bench_widgets"]


def machine() -> str:
    import numpy as np

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = "unknown"
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg["Build Dependencies"]["blas"]
        blas = f"{b.get('name')} {b.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - older numpy without dict mode
        pass
    try:
        import torch
        torch_v = torch.__version__
    except ImportError:
        torch_v = "not installed"
    return (f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; numpy {np.__version__} "
            f"(BLAS: {blas}); torch {torch_v}; {platform.platform()}")


def timed_make(target: str, limit_s: float) -> dict:
    start = time.perf_counter()
    proc = subprocess.run(["make", "-s", target], cwd=ROOT, capture_output=True, text=True)
    took = time.perf_counter() - start
    note = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stdout[-300:]} {proc.stderr[-300:]}"
    return row(f"`make {target}` (after install)", took, note=note, target=f"<= {limit_s / 60:.0f} min",
               met=proc.returncode == 0 and took <= limit_s)


def slowest_cells() -> list[dict]:
    """Execute a copy of each chapter notebook and report its slowest cell (target: none above 20 s)."""
    import shutil

    from bpcourse.notebooks import execute

    rows = []
    for nb in sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb")):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / nb.name
            shutil.copy(nb, copy)
            start = time.perf_counter()
            times = execute(copy)
            total = time.perf_counter() - start
        worst, index = times[0] if times else (0.0, -1)
        rows.append(row(f"slowest cell of {nb.name}", worst, target="<= 20 s", met=worst <= 20.0,
                        note=f"cell {index}; whole notebook {total:.1f} s"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip `make book` and `make test` timings")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)

    rows: list[dict] = []
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError as err:
            rows.append(row(name, None, note=f"not run: {err}"))
            continue
        try:
            rows.extend(module.run())
        except Exception as err:  # noqa: BLE001 - one broken benchmark must not hide the others
            traceback.print_exc()
            rows.append(row(name, None, note=f"failed: {type(err).__name__}: {err}"))
        print(f"{name}: done", file=sys.stderr)
    rows.extend(slowest_cells())
    if not args.quick:
        rows.append(timed_make("book", 180))
        rows.append(timed_make("test", 600))

    text = table(rows)
    print(text)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    header = (f"# Benchmark results\n\nMachine: {machine()}\n\n"
              f"Run: {when} with `make bench`{' --quick' if args.quick else ''}.\n\n")
    previous = args.out.read_text() if args.out.exists() else ""
    notes = previous.split("\n## Notes", 1)[1] if "\n## Notes" in previous else "\n"
    args.out.write_text(header + text + "\n\n## Notes" + notes)
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
