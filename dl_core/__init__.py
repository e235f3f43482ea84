"""dl_core: the engine of dl-lab. Plain PyTorch and plotly; no user interface in here."""

from .build_run import BuilderSpec, build_trainer, from_preset, validate_build
from .builder import LAYERS, LayerDef, ShapeError, build, plan
from .data import DATASETS, FEATURES, Dataset, make_dataset
from .device import describe, pick_device
from .maps import NetworkMaps, grid_points, network_maps
from .model import ACTIVATIONS, INITS, MLP, build_mlp, parameter_count
from .objective import LOSSES, Objective, losses_for, objective
from .optimizers import OPTIMIZERS
from .probe import Probe, probe
from .spec import (
    MAX_HIDDEN_LAYERS, MAX_PARAMETERS, MAX_POINTS, MAX_WIDTH, REGULARIZATIONS,
    DataSpec, LayerSpec, ModelSpec, Spec, TrainSpec, ViewSpec, from_json, from_query, validate,
)
from .tasks import PRESETS, TASKS
from .train import EVENTS, History, InvalidSpec, Trainer

__all__ = [
    "ACTIVATIONS", "DATASETS", "EVENTS", "FEATURES", "INITS", "LAYERS", "LOSSES", "MAX_HIDDEN_LAYERS",
    "MAX_PARAMETERS", "MAX_POINTS", "MAX_WIDTH", "MLP", "OPTIMIZERS", "PRESETS", "REGULARIZATIONS", "TASKS",
    "BuilderSpec", "DataSpec", "Dataset", "History", "InvalidSpec", "LayerDef", "LayerSpec", "ModelSpec",
    "NetworkMaps", "Objective", "Probe", "ShapeError", "Spec", "TrainSpec", "Trainer", "ViewSpec", "build",
    "build_mlp", "build_trainer", "describe", "from_json", "from_preset", "from_query", "grid_points",
    "losses_for", "make_dataset", "network_maps", "objective", "parameter_count", "pick_device", "plan", "probe",
    "validate", "validate_build",
]
