"""Execute notebooks in place, storing outputs and widget state.

    python -m bpcourse.notebooks book/01_perceptron_backprop.ipynb ...

Each notebook runs with its own folder as working directory, in the kernel of
the Python that runs this module.  Per-cell wall-clock times are printed
(slowest first) so long cells are easy to find, and are returned by `execute`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

__all__ = ["execute"]


def execute(path, timeout: int = 600) -> list[tuple[float, int]]:
    """Run every cell of the notebook at path and save it; return [(seconds, cell index)] slowest first."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (bpcourse)", "language": "python"}
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent.resolve())}},
                            record_timing=True)
    client.execute()
    times = []
    for i, cell in enumerate(nb.cells):
        t = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in t and "shell.execute_reply" in t:
            from datetime import datetime
            start = datetime.fromisoformat(t["iopub.execute_input"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(t["shell.execute_reply"].replace("Z", "+00:00"))
            times.append(((end - start).total_seconds(), i))
        cell.get("metadata", {}).pop("execution", None)  # keep stored notebooks free of timestamps
    nbformat.write(nb, path)
    return sorted(times, reverse=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        start = time.perf_counter()
        times = execute(path, timeout=args.timeout)
        slow = ", ".join(f"cell {i}: {s:.1f}s" for s, i in times[:3])
        print(f"{path}: {time.perf_counter() - start:.1f}s in all; slowest {slow}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
