"""dl_core: the engine of dl-lab. Plain PyTorch and plotly; no user interface in here.

The way through it: a spec (``specs``: what a learner set, frozen, kind-tagged, checked against the
work budgets) becomes a run in one place (``runs.make_run``); the run's ``Trainer`` steps and fires
events that probes (``observe``) subscribe to; analyses (``analyses``) look at a run; ``viz`` turns
plain arrays into figures.
"""

from .data import Data, DataError
from .data.features import FEATURES
from .data.points import DATASETS
from .data.tasks import TASKS
from .device import describe, pick_device
from .nets.layers import LAYERS, LayerDef, ShapeError
from .nets.mlp import ACTIVATIONS, INITS, MLP
from .objective import LOSSES, Objective, losses_for, objective
from .optimizers import OPTIMIZERS
from .runs import InvalidSpec, Plane, Run, follow, make_run
from .specs import (
    KINDS, BuilderSpec, PlaygroundSpec, Spec, fields_of, from_json, from_query, to_json, to_query, validate,
    with_value,
)
from .specs.budget import OverBudget
from .specs.builder import default_train
from .specs.playground import DataSpec, LayerSpec, ModelSpec, ViewSpec
from .specs.presets import PRESETS, from_preset
from .specs.training import TrainSpec
from .trainer import EVENTS, History, Trainer

__all__ = [
    "ACTIVATIONS", "DATASETS", "EVENTS", "FEATURES", "INITS", "KINDS", "LAYERS", "LOSSES", "MLP", "OPTIMIZERS",
    "PRESETS", "TASKS", "BuilderSpec", "Data", "DataError", "DataSpec", "History", "InvalidSpec", "LayerDef",
    "LayerSpec", "ModelSpec", "Objective", "OverBudget", "Plane", "PlaygroundSpec", "Run", "ShapeError", "Spec",
    "TrainSpec", "Trainer", "ViewSpec", "default_train", "describe", "fields_of", "follow", "from_json",
    "from_preset", "from_query", "losses_for", "make_run", "objective", "pick_device", "to_json", "to_query",
    "validate", "with_value",
]
