"""Interactive figures that keep working in the static site (anywidget, pure JS).

Taught in chapter 0.
"""

from seqlab.widgets.char_models import LiveCharModels
from seqlab.widgets.curve_explorer import CurveExplorer
from seqlab.widgets.gate_viewer import LiveGates
from seqlab.widgets.heatmap_viewer import HeatmapViewer
from seqlab.widgets.panel_explorer import PanelExplorer
from seqlab.widgets.self_check import SelfCheck
from seqlab.widgets.translator import LiveTranslator

__all__ = [
    "CurveExplorer",
    "HeatmapViewer",
    "LiveCharModels",
    "LiveGates",
    "LiveTranslator",
    "PanelExplorer",
    "SelfCheck",
]
