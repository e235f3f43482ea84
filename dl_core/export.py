"""A Builder network as a standalone PyTorch script (data, model, training loop, the same settings),
and its weights as a file that loads with ``torch.load(..., weights_only=True)``.

The script needs torch, numpy and (for digits and wine) scikit-learn, nothing of dl-lab: the data
functions and the few custom modules are copied from this package's own source, so the script trains
on exactly the data the app does."""

from __future__ import annotations

import inspect
import io
import textwrap

import torch

from . import builder, data, tasks
from .build_run import BuilderSpec
from .builder import LayerDef, Shape, plan
from .model import ACTIVATIONS
from .tasks import TASKS

OPTIMIZER_CODE = {
    "sgd": "torch.optim.SGD(model.parameters(), lr={lr})",
    "momentum": "torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9)",
    "adam": "torch.optim.Adam(model.parameters(), lr={lr})",
    "rmsprop": "torch.optim.RMSprop(model.parameters(), lr={lr})",
    "adamw": "torch.optim.AdamW(model.parameters(), lr={lr}, weight_decay=0.01)",
}
TASK_SOURCES = {  # what each task's data function needs, in order
    "points": [data._uniform, data._spiral_arms, tasks._split],  # and the chosen set's generator, below
    "digits": [tasks._split, tasks.digits],
    "wine": [tasks._split, tasks.wine],
    "sine": [tasks._split, tasks.sine],
    "first_symbol": [tasks._split, tasks.first_symbol],
}
TASK_CONSTANTS = {"sine": ["SINE_STEPS"], "first_symbol": ["SYMBOLS", "SYMBOL_STEPS"]}


def _activation(name: str) -> str:
    return f"nn.{ACTIVATIONS[name].make()!r}"  # e.g. nn.Tanh(), nn.LeakyReLU(negative_slope=0.01)


def layer_code(layer: LayerDef, shape: Shape) -> str:
    """Python that builds the same module as ``builder.plan`` does for this layer and input shape."""
    k, size = layer.kernel, layer.size
    codes = {
        "linear": lambda: f"nn.Linear({shape[-1]}, {size})",
        "conv2d": lambda: f"nn.Conv2d({shape[0]}, {size}, {k}, padding={k // 2})",
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
    inner = (f"nn.Conv2d({shape[0]}, {shape[0]}, {layer.kernel}, padding={layer.kernel // 2})" if len(shape) == 3
             else f"nn.Linear({shape[-1]}, {shape[-1]})")
    return f"Residual(nn.Sequential({inner}, {_activation(layer.activation)}, {inner}))"


def model_code(spec: BuilderSpec) -> str:
    task = TASKS[spec.task]
    planned = plan(list(spec.layers), task.input_shape, task.n_classes or 1)
    lines = [layer_code(p.layer, p.input) for p in planned[:-1]]
    head = planned[-1]
    lines.append(f"nn.Linear({head.input[0]}, {head.output[0]})")
    body = "".join(f"        {line},  # → {' × '.join(map(str, p.output))}\n" for line, p in zip(lines, planned))
    return f"def build_model() -> nn.Sequential:\n    return nn.Sequential(\n{body}    )\n"


def script(spec: BuilderSpec, steps: int = 500) -> str:
    """The whole program, as text."""
    task = TASKS[spec.task]
    sources = [inspect.getsource(tasks.TaskData)] + [inspect.getsource(f) for f in TASK_SOURCES[spec.task]]
    if spec.task == "points":
        generator = data.DATASETS[spec.points].make
        sources.append("\n".join(line for line in inspect.getsource(generator).splitlines()
                                  if not line.startswith("@register")))  # the registry stays behind
        sources.append(f'''def points(seed: int) -> TaskData:
    """The Playground's {spec.points} set: 500 points, 10 % noise."""
    xy, labels = {generator.__name__}(500, 0.1, np.random.default_rng(seed))
    return _split(xy.astype(np.float32), labels.astype(np.int64), seed)
''')
    constants = [f"{name} = {getattr(tasks, name)!r}" for name in TASK_CONSTANTS.get(spec.task, [])]
    modules = [inspect.getsource(c) for c in (builder.Residual, builder.Recurrent, builder.SelfAttention,
                                              builder.LastStep)]
    classification = task.n_classes > 0
    loss = "F.cross_entropy(out, y)" if classification else "F.mse_loss(out[:, 0], y)"
    measure = ("(out.argmax(1) == data.y_test).float().mean().item()" if classification
               else "F.mse_loss(out[:, 0], data.y_test).item()")
    optimizer = OPTIMIZER_CODE[spec.train.optimizer].format(lr=spec.train.learning_rate)
    header = f'''"""{task.label}: a network exported from dl-lab's Builder. Run: python {spec.task}_network.py

Needs torch and numpy{' and scikit-learn' if spec.task in ('digits', 'wine') else ''}. Optional arguments: --steps N,
--weights FILE (start from weights saved by dl-lab; they load with weights_only=True).
"""

import argparse
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
'''
    if spec.task in ("digits", "wine"):
        header += f"from sklearn.datasets import load_{spec.task}\n"
    main = f'''
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default={steps})
    parser.add_argument("--weights")
    args = parser.parse_args()
    torch.manual_seed({spec.seed})
    data = {task.make.__name__}({spec.seed})
    model = build_model()
    if args.weights:
        model.load_state_dict(torch.load(args.weights, weights_only=True))
    optimizer = {optimizer}
    batch_size = min({spec.train.batch_size}, len(data.y_train))
    order = torch.Generator().manual_seed({spec.seed + 1})
    for step in range(1, args.steps + 1):
        index = torch.randperm(len(data.y_train), generator=order)[:batch_size]
        x, y = data.x_train[index], data.y_train[index]
        model.train()
        optimizer.zero_grad()
        out = model(x)
        loss = {loss}
        loss.backward()
        optimizer.step()
        if step == 1 or step % 50 == 0 or step == args.steps:
            model.eval()
            with torch.no_grad():
                out = model(data.x_test)
                print(f"step {{step}} train loss {{loss.item():.4f}} test {'accuracy' if classification else 'loss'} "
                      f"{{{measure}:.4f}}")


if __name__ == "__main__":
    main()
'''
    parts = [header, "\n".join(constants), *sources, *modules, model_code(spec), main]
    return "\n\n".join(textwrap.dedent(p).strip("\n") + "\n" for p in parts if p)


def weights_file(model: torch.nn.Module) -> bytes:
    """The weights as ``torch.save`` bytes: tensors only, so ``torch.load(..., weights_only=True)`` reads them."""
    buffer = io.BytesIO()
    torch.save({name: t.detach().cpu() for name, t in model.state_dict().items()}, buffer)
    return buffer.getvalue()
