"""Interactive widgets (ipywidgets) over the pure functions in bpcourse.plots.

Each widget is a `FigureWidget`: controls plus an image of a matplotlib Figure,
redrawn by `update()` whenever a control moves.  Each has a static fallback (a
function returning a Figure, e.g. small multiples over the main control) that
the HTML book shows, since a published page has no kernel.
"""

from bpcourse.widgets.activations import *  # noqa: F401,F403
from bpcourse.widgets.base import FigureWidget, figure_to_png  # noqa: F401
from bpcourse.widgets.conv import *  # noqa: F401,F403
from bpcourse.widgets.mlp import *  # noqa: F401,F403
from bpcourse.widgets.rbm import *  # noqa: F401,F403
