"""Plotly figure builders: plain arrays in, ``go.Figure`` out; nothing here knows of training."""

from .boundary import decision_boundary, heatmap_image
from .curves import confusion_matrix, loss_curves
from .network import network_layout

__all__ = ["confusion_matrix", "decision_boundary", "heatmap_image", "loss_curves", "network_layout"]
