"""Interactive figures that keep working in the static site (anywidget, pure JS).

Taught in chapter 0.
"""

from seqlab.widgets.curve_explorer import CurveExplorer
from seqlab.widgets.heatmap_viewer import HeatmapViewer
from seqlab.widgets.panel_explorer import PanelExplorer

__all__ = ["CurveExplorer", "HeatmapViewer", "PanelExplorer"]
