"""Pure plotting functions: each takes data or parameters and returns a
matplotlib Figure (nothing is shown, nothing global is touched), so every plot
can be tested headless and reused by the widgets.

One submodule per chapter; everything is re-exported here.
"""

from bpcourse.plots.activations import *  # noqa: F401,F403
from bpcourse.plots.common import *  # noqa: F401,F403
from bpcourse.plots.conv import *  # noqa: F401,F403
from bpcourse.plots.mlp import *  # noqa: F401,F403
from bpcourse.plots.rbm import *  # noqa: F401,F403
