"""Widget responsiveness: the slowest redraw of each widget as its controls move (target: < 1 s).

The chapter-4 Gibbs-chain viewer needs a trained RBM; bench_rbm.py times it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import row, table  # noqa: E402

from bpcourse import widgets  # noqa: E402


def _other_value(control):
    """A value different from the control's current one: the far end of a slider, another option."""
    if hasattr(control, "options") and control.options:
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return next(v for v in values if v != control.value)
    if hasattr(control, "max"):
        return control.max if control.value != control.max else control.min
    return None


def slowest_redraw(widget) -> float:
    """Move every control once (twice, there and back) and return the slowest redraw in seconds."""
    worst = 0.0
    for control in widget.controls.values():
        start = control.value
        for value in (_other_value(control), start):
            if value is None:
                continue
            control.value = value
            worst = max(worst, widget.last_seconds)
    return worst


def run() -> list[dict]:
    makers = {
        "paralysis explorer (ch. 1)": widgets.paralysis_explorer,
        "conv window explorer (ch. 2)": widgets.conv_window_explorer,
        "activation explorer (ch. 3)": widgets.activation_explorer,
        "gradient-flow explorer (ch. 3)": widgets.gradient_flow_explorer,
    }
    rows = []
    for name, make in makers.items():
        try:
            seconds = slowest_redraw(make())
        except Exception as err:  # noqa: BLE001 - report and go on
            rows.append(row(f"widget redraw: {name}", None, note=f"failed: {type(err).__name__}: {err}"))
            continue
        rows.append(row(f"widget redraw: {name}", seconds, target="< 1 s", met=seconds < 1.0,
                        note="slowest redraw over every control"))
    return rows


if __name__ == "__main__":
    print(table(run()))
