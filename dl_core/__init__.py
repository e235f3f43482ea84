"""dl_core: the engine of dl-lab. Plain PyTorch and plotly; no user interface in here."""

from .data import DATASETS, FEATURES, Dataset, make_dataset
from .device import describe, pick_device
from .maps import NetworkMaps, grid_points, network_maps
from .model import ACTIVATIONS, INITS, MLP, build_mlp, parameter_count
from .objective import LOSSES, Objective, losses_for, objective
from .optimizers import OPTIMIZERS
from .spec import (
    MAX_HIDDEN_LAYERS, MAX_PARAMETERS, MAX_POINTS, MAX_WIDTH, REGULARIZATIONS,
    DataSpec, LayerSpec, ModelSpec, Spec, TrainSpec, ViewSpec, from_json, from_query, validate,
)
from .train import EVENTS, History, InvalidSpec, Trainer

__all__ = [
    "ACTIVATIONS", "DATASETS", "EVENTS", "FEATURES", "INITS", "LOSSES", "MAX_HIDDEN_LAYERS",
    "MAX_PARAMETERS", "MAX_POINTS", "MAX_WIDTH", "MLP", "OPTIMIZERS", "REGULARIZATIONS",
    "DataSpec", "Dataset", "History", "InvalidSpec", "LayerSpec", "ModelSpec", "NetworkMaps",
    "Objective", "Spec", "TrainSpec", "Trainer", "ViewSpec", "build_mlp", "describe",
    "from_json", "from_query", "grid_points", "losses_for", "make_dataset", "network_maps",
    "objective", "parameter_count", "pick_device", "validate",
]
