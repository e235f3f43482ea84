"""Networks to start from in the Builder, at least one for every task; each is a whole spec."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..data.tasks import TASKS
from ..nets.layers import LayerDef as L
from .builder import LENET, BuilderSpec, default_train


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    spec: BuilderSpec

    @property
    def task(self) -> str:
        return self.spec.task

    @property
    def layers(self) -> tuple[L, ...]:
        return self.spec.layers


def _preset(name: str, label: str, task: str, layers: tuple[L, ...]) -> Preset:
    return Preset(name, label, BuilderSpec(task=task, layers=layers, train=default_train(TASKS[task].n_classes)))


SMALL_CNN = (L("conv2d", 8), L("activation"), L("maxpool"), L("conv2d", 16), L("activation"), L("maxpool"),
             L("flatten"))  # 16×2×2 features into the output layer: about 2,000 parameters
TRANSFORMER = (L("linear", 16), L("attention", 2), L("residual", activation="gelu"), L("attention", 2), L("flatten"))
GROUPS_MLP = (L("linear", 16), L("activation"), L("linear", 16), L("activation"))

PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        _preset("perceptron", "Perceptron", "points", ()),
        _preset("mlp", "MLP", "points", (L("linear", 16), L("activation", activation="tanh"),
                                          L("linear", 16), L("activation", activation="tanh"))),
        _preset("lenet", "LeNet-style CNN", "digits", LENET),
        _preset("lstm", "LSTM", "first_symbol", (L("lstm", 32), L("last_step"))),
        _preset("gru_sine", "GRU for a sine wave", "sine", (L("gru", 16), L("last_step"))),
        _preset("tabular", "MLP for tables", "wine", (L("linear", 32), L("activation"), L("dropout", rate=0.2),
                                                            L("linear", 16), L("activation"))),
        _preset("transformer", "Tiny transformer", "first_symbol", TRANSFORMER),
        _preset("deep_plain", "Deep plain net (12)", "points",
                (L("linear", 16),) + (L("activation"), L("linear", 16)) * 11 + (L("activation"),)),
        _preset("deep_residual", "Deep net with skips (12)", "points",
                (L("linear", 16), L("activation")) + (L("residual"),) * 6),
        _preset("transformer_long", "Transformer, 30 steps", "first_symbol_long", TRANSFORMER),
        _preset("few_digits", "Small CNN, 20 per digit", "digits_few", SMALL_CNN),
        _preset("few_digits_augmented", "Small CNN, augmented", "digits_few_augmented", SMALL_CNN),
        _preset("digits_5_9", "Small CNN, digits 5–9", "digits_5_9_few", SMALL_CNN),
        _preset("groups", "MLP on two groups", "groups_skewed", GROUPS_MLP),
        _preset("groups_balanced", "MLP, balanced groups", "groups_balanced", GROUPS_MLP),
    )
}
TABLE_PRESET = (L("linear", 32), L("activation"), L("linear", 16), L("activation"))  # for uploaded tables


def first_preset_for(task: str) -> Preset:
    """The first preset of a task; an uploaded table gets a small MLP."""
    for preset in PRESETS.values():
        if preset.task == task:
            return preset
    return Preset("table", "MLP for your table", BuilderSpec(task=task, layers=TABLE_PRESET))


def preset_named(spec: BuilderSpec) -> str | None:
    """The preset whose task and layers this spec has, if any: what the preset box shows."""
    for preset in PRESETS.values():
        if (preset.task, preset.layers) == (spec.task, spec.layers):
            return preset.name
    return None


def from_preset(name: str, seed: int = 0) -> BuilderSpec:
    return replace(PRESETS[name].spec, seed=seed)
