"""A Builder network as a standalone PyTorch script (data, model, training loop, the same settings),
and its weights with the optimiser's state as a file that loads with ``torch.load(..., weights_only=True)``.

The script needs torch, numpy and (for digits and wine) scikit-learn, nothing of dl-lab: the data
functions and the few custom modules are copied from this package's own source, and the training
loop does what ``Trainer`` does (the same batch order, penalty and clipping), so the script's first
step is the app's first step. A network trained on an uploaded CSV carries that file inside the script.
"""

from __future__ import annotations

import inspect
import io
import textwrap

import torch

from . import data as data_module
from .data import csv as csv_module
from .data import groups, scarce
from .data import points as point_sets
from .data import tasks
from .errors import Refusal
from .nets import layers
from .nets.layers import LayerDef, Shape
from .nets.mlp import ACTIVATIONS, INITS
from .specs.builder import BuilderSpec
from .trainer import Trainer
from .transfer import SCRATCH, STARTS

OPTIMIZER_CODE = {
    "sgd": "torch.optim.SGD(model.parameters(), lr={lr})",
    "momentum": "torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9)",
    "adam": "torch.optim.Adam(model.parameters(), lr={lr})",
    "rmsprop": "torch.optim.RMSprop(model.parameters(), lr={lr})",
    "adamw": "torch.optim.AdamW(model.parameters(), lr={lr}, weight_decay=0.01)",
}
INIT_CODE = {  # what nets.mlp.INITS does to a weight, as code (a test compares the two)
    "xavier": "nn.init.xavier_uniform_(weight, generator=g)",
    "he": 'nn.init.kaiming_normal_(weight, nonlinearity="relu", generator=g)',
    "zeros": "nn.init.zeros_(weight)",
    "small": "nn.init.normal_(weight, 0.0, 0.01, generator=g)",
    "large": "nn.init.normal_(weight, 0.0, 2.0, generator=g)",
}
LOSS_CODE = {  # (loss, task) → the loss on a batch's raw output ``out`` and labels ``y``
    ("cross_entropy", "classes"): "F.cross_entropy(out, y)",
    ("bce", "classes"): "F.binary_cross_entropy_with_logits(out[:, 0], y.float())",
    ("mse", "classes"): "F.mse_loss(torch.tanh(out[:, 0]), 2 * y.float() - 1)",
    ("mse", "regression"): "F.mse_loss(out[:, 0], y)",
    ("mae", "regression"): "F.l1_loss(out[:, 0], y)",
    ("huber", "regression"): "F.huber_loss(out[:, 0], y)",
}
DATA_SOURCES = [data_module.Data, data_module.split, data_module.make_data]
TASK_SOURCES = {  # what each task's data function needs, besides DATA_SOURCES
    "points": [point_sets._uniform, point_sets._spiral_arms],  # and the chosen set's generator, below
    "digits": [tasks.digits],
    "wine": [tasks.wine],
    "sine": [tasks.sine],
    "first_symbol": [tasks.first_symbol],
    "first_symbol_long": [tasks.first_symbol, tasks.first_symbol_long],
    "digits_few": [scarce.few_digits_split, scarce.digit_data, scarce.digits_few],
    "digits_few_augmented": [scarce.few_digits_split, scarce.digit_data, scarce.shifted, scarce.turned,
                             scarce.augmented, scarce.digits_few_augmented],
    "digits_5_9_few": [scarce.few_digits_split, scarce.digit_data, scarce.digits_5_9_few],
    "groups_skewed": [groups.two_groups, groups.groups_skewed],
    "groups_balanced": [groups.two_groups, groups.groups_balanced],
}
TASK_CONSTANTS = {"sine": ["SINE_STEPS"], "first_symbol": ["SYMBOLS", "SYMBOL_STEPS"],
                  "first_symbol_long": ["SYMBOLS", "SYMBOL_STEPS", "LONG_SYMBOL_STEPS"]}
SKLEARN_LOADERS = ("load_digits", "load_wine")  # imported by a script whose data functions call them
CSV_SOURCES = [Refusal, data_module.DataError, csv_module.upload_name, csv_module._name, csv_module._unique,
               csv_module._rows, csv_module._number, csv_module.read_csv, csv_module._scaled]
CSV_CONSTANTS = ["MAX_CSV_BYTES", "MAX_ROWS", "MIN_ROWS", "MAX_COLUMNS", "MAX_CLASSES", "MISSING", "LABEL_NAMES",
                 "POINTS_EXTENT", "TRAIN_SHARE", "_MARKUP"]


def _activation(name: str) -> str:
    return f"nn.{ACTIVATIONS[name].make()!r}"  # e.g. nn.Tanh(), nn.LeakyReLU(negative_slope=0.01)


def layer_code(layer: LayerDef, shape: Shape) -> str:
    """Python that builds the same module as ``layers.build`` does for this layer and input shape."""
    k, size = layer.kernel, layer.size
    codes = {
        "linear": lambda: f"nn.Linear({shape[-1]}, {size})",
        "conv2d": lambda: f'nn.Conv2d({shape[0]}, {size}, {k}, padding="same")',
        "maxpool": lambda: "nn.MaxPool2d(2)",
        "avgpool": lambda: "nn.AvgPool2d(2)",
        "flatten": lambda: "nn.Flatten()",
        "dropout": lambda: f"nn.Dropout({layer.rate})",
        "batchnorm": lambda: f"nn.BatchNorm{'2' if len(shape) == 3 else '1'}d({shape[0]})",
        "layernorm": lambda: f"nn.LayerNorm({shape[-1] if len(shape) < 3 else list(shape)})",
        "activation": lambda: _activation(layer.activation),
        "rnn": lambda: f"Recurrent(nn.RNN({shape[1]}, {size}, batch_first=True))",
        "lstm": lambda: f"Recurrent(nn.LSTM({shape[1]}, {size}, batch_first=True))",
        "gru": lambda: f"Recurrent(nn.GRU({shape[1]}, {size}, batch_first=True))",
        "attention": lambda: f"SelfAttention({shape[1]}, {size})",
        "last_step": lambda: "LastStep()",
        "residual": lambda: _residual_code(layer, shape),
    }
    return codes[layer.kind]()


def _residual_code(layer: LayerDef, shape: Shape) -> str:
    inner = (f'nn.Conv2d({shape[0]}, {shape[0]}, {layer.kernel}, padding="same")' if len(shape) == 3
             else f"nn.Linear({shape[-1]}, {shape[-1]})")
    return f"Residual(nn.Sequential({inner}, {_activation(layer.activation)}, {inner}))"


def model_code(spec: BuilderSpec, uploads=None) -> str:
    planned = spec.planned(uploads)
    lines = [layer_code(p.layer, p.input) for p in planned[:-1]]
    head = planned[-1]
    lines.append(f"nn.Linear({head.input[0]}, {head.output[0]})")
    body = "".join(f"        {line},  # → {' × '.join(map(str, p.output))}\n" for line, p in zip(lines, planned))
    code = f"def build_model() -> nn.Sequential:\n    return nn.Sequential(\n{body}    )\n"
    if spec.init != "default":
        code += f'''

def initialise(model: nn.Module, seed: int) -> None:
    """{INITS[spec.init].label} initialisation of every Linear and convolution weight; biases at 0."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)) and module.bias is not None:
                weight = module.weight
                {INIT_CODE[spec.init]}
                nn.init.zeros_(module.bias)
'''
    return code


def _data_code(spec: BuilderSpec, csv_source: tuple[bytes, str] | None) -> tuple[list[str], str]:
    """(source blocks, the expression that makes the data)."""
    sources = [inspect.getsource(f) for f in DATA_SOURCES]
    if tasks.is_upload(spec.task):
        if csv_source is None:
            raise ValueError("exporting a network on an uploaded table needs the file's bytes")
        raw, label = csv_source
        sources += [f"UPLOAD_PREFIX = {tasks.UPLOAD_PREFIX!r}"]
        sources += [f"{name} = {getattr(csv_module, name)!r}" for name in CSV_CONSTANTS]
        sources += [inspect.getsource(f) for f in CSV_SOURCES]
        sources.append(f"YOUR_CSV = {raw.decode('utf-8-sig')!r}  # the file you uploaded, as it was read")
        return sources, f'read_csv(YOUR_CSV.encode("utf-8"), "table", {label!r}, "your data")'
    sources += [f"{name} = {getattr(tasks, name)!r}" for name in ["TRAIN_SHARE"] + TASK_CONSTANTS.get(spec.task, [])]
    sources += [inspect.getsource(f) for f in TASK_SOURCES[spec.task]]
    if spec.task == "points":
        generator = point_sets.DATASETS[spec.points].make
        sources.append("\n".join(line for line in inspect.getsource(generator).splitlines()
                                  if not line.startswith("@register")))  # the registry stays behind
        label = point_sets.DATASETS[spec.points].label
        sources.append(f'''def points(seed: int) -> Data:
    """The Playground's {spec.points} set: 500 points, 10 % noise."""
    xy, labels = {generator.__name__}(500, 0.1, np.random.default_rng(seed))
    return make_data({spec.points!r}, "2D points: {label}", xy.astype(np.float32), labels.astype(np.int64), 2,
                     "points", TRAIN_SHARE, np.random.default_rng(seed), ("x₁", "x₂"), ("class 0", "class 1"))
''')
        return sources, f"points({spec.seed})"
    return sources, f"{TASK_SOURCES[spec.task][-1].__name__}({spec.seed})"


def script(spec: BuilderSpec, steps: int = 500, uploads=None, csv_source: tuple[bytes, str] | None = None) -> str:
    """The whole program, as text. ``csv_source`` (the file's bytes, how its label is read) for uploaded tables."""
    shape = spec.shape(uploads)
    classification = shape.n_classes > 0
    t = spec.train
    loss = LOSS_CODE[(t.loss, "classes" if classification else "regression")]
    predict = "(out.argmax(1) if out.shape[1] > 1 else (out[:, 0] > 0).long())"
    measure = f"({predict} == y).float().mean().item()" if classification else f"({loss}).item()"
    penalty = {"none": "0.0", "l1": f"{t.reg_rate!r} * sum(w.abs().sum() for w in weights)",
               "l2": f"{t.reg_rate!r} * 0.5 * sum((w * w).sum() for w in weights)"}
    penalty_code = penalty[t.regularization] if t.reg_rate > 0 else "0.0"
    sources, make_data_call = _data_code(spec, csv_source)
    loaders = [name for name in SKLEARN_LOADERS if any(f"{name}(" in source for source in sources)]
    needs_sklearn = bool(loaders)
    start_note = "" if spec.start == SCRATCH else (  # the pretraining stays in dl-lab; its result travels as weights
        f"\nIn dl-lab this network started from {STARTS[spec.start][0].lower()}{STARTS[spec.start][1:]}; this "
        "script starts from random weights\nunless --weights gives it the file saved in dl-lab.")
    header = f'''"""{shape.label}: a network exported from dl-lab's Builder. Run: python network.py

Needs torch and numpy{' and scikit-learn' if needs_sklearn else ''}. Optional arguments: --steps N (0: only evaluate),
--weights FILE (weights and optimiser state saved by dl-lab; they load with weights_only=True).{start_note}
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
'''
    if needs_sklearn:
        header += f"from sklearn.datasets import {', '.join(loaders)}\n"
    modules = [inspect.getsource(c) for c in (layers.Residual, layers.Recurrent, layers.SelfAttention,
                                              layers.LastStep)]
    init_call = f"\n    initialise(model, {spec.seed})" if spec.init != "default" else ""
    clip = f"\n        torch.nn.utils.clip_grad_norm_(model.parameters(), {t.grad_clip!r})" if t.grad_clip > 0 else ""
    main = f'''
def evaluate(model: nn.Module, data: Data) -> str:
    model.eval()
    with torch.no_grad():
        figures = []
        for split, x, y in (("train", data.x_train, data.y_train), ("test", data.x_test, data.y_test)):
            out = model(x)
            figures.append(f"{{split}} loss {{({loss}).item():.4f}}")
            if {classification}:
                figures.append(f"{{split}} accuracy {{{measure}:.4f}}")
    model.train()
    return ", ".join(figures)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default={steps})
    parser.add_argument("--weights")
    args = parser.parse_args()
    data = {make_data_call}
    torch.manual_seed({spec.seed})
    model = build_model(){init_call}
    optimizer = {OPTIMIZER_CODE[t.optimizer].format(lr=repr(t.learning_rate))}
    done = 0
    if args.weights:
        saved = torch.load(args.weights, weights_only=True)
        if "model" in saved:  # weights, the optimiser's state and the step they were saved at
            model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            done = int(saved["step"])
        else:
            model.load_state_dict(saved)
    print(f"step {{done}}: {{evaluate(model, data)}}")
    weights = [p for p in model.parameters() if p.dim() >= 2]  # what L1/L2 acts on: not biases or norms
    n = len(data.y_train)
    batch_size = min({t.batch_size}, n)
    order_generator = torch.Generator().manual_seed({spec.seed + 1})
    order, cursor = torch.empty(0, dtype=torch.long), n
    torch.manual_seed({spec.seed + 2})  # dropout's masks: the app draws them from this seed too
    model.train()
    for step in range(done + 1, done + args.steps + 1):
        if batch_size == n:
            x, y = data.x_train, data.y_train
        else:  # each epoch visits every example once, shuffled
            if cursor + batch_size > n:
                order, cursor = torch.randperm(n, generator=order_generator), 0
            index = order[cursor:cursor + batch_size]
            cursor += batch_size
            x, y = data.x_train[index], data.y_train[index]
        optimizer.zero_grad()
        out = model(x)
        loss = {loss}
        total = loss + {penalty_code}
        total.backward(){clip}
        optimizer.step()
        if step == done + 1 or step % 50 == 0 or step == done + args.steps:
            print(f"step {{step}}: train loss on the batch {{loss.item():.6g}}; {{evaluate(model, data)}}")


if __name__ == "__main__":
    main()
'''
    parts = [header, *sources, *modules, model_code(spec, uploads), main]
    return "\n\n".join(textwrap.dedent(p).strip("\n") + "\n" for p in parts if p)


def weights_file(trainer: Trainer) -> bytes:
    """The weights, the optimiser's state and the step, as ``torch.save`` bytes of tensors and numbers only, so
    ``torch.load(..., weights_only=True)`` reads them and the script continues where the app stopped."""
    buffer = io.BytesIO()
    torch.save({"model": {name: t.detach().cpu() for name, t in trainer.model.state_dict().items()},
                "optimizer": _on_cpu(trainer.optimizer.state_dict()), "step": trainer.step_count}, buffer)
    return buffer.getvalue()


def _on_cpu(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _on_cpu(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_on_cpu(v) for v in value]
    return value
