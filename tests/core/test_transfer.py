import pytest
import torch

from dl_core import BuilderSpec, InvalidSpec, LayerDef, from_query, make_run, validate
from dl_core.transfer import pretrained_weights, start_from

SMALL = (LayerDef("conv2d", 4), LayerDef("activation"), LayerDef("maxpool"), LayerDef("flatten"))


def test_every_layer_but_the_output_starts_from_the_pretrained_weights():
    spec = BuilderSpec(task="digits_5_9_few", layers=SMALL, start="digits_0_4", seed=3)
    learnt = pretrained_weights("digits_0_4", SMALL, 3)
    assert pretrained_weights("digits_0_4", SMALL, 3) is learnt, "pretraining runs once for the same network"
    run = make_run(spec)
    scratch = make_run(BuilderSpec(task="digits_5_9_few", layers=SMALL, seed=3))
    state, fresh = run.model.state_dict(), scratch.model.state_dict()
    assert torch.equal(state["0.weight"], learnt["0.weight"]) and not torch.equal(state["0.weight"], fresh["0.weight"])
    assert torch.equal(state["4.weight"], fresh["4.weight"]), "the output layer starts afresh"


def test_start_from_leaves_the_head_alone_and_copies_the_rest():
    model = make_run(BuilderSpec(task="digits_5_9_few", layers=SMALL, seed=1)).model
    head = model[-1].weight.detach().clone()
    start_from(model, "digits_0_4", SMALL, 1)
    assert torch.equal(model[-1].weight, head)
    assert torch.equal(model[0].bias, pretrained_weights("digits_0_4", SMALL, 1)["0.bias"])


def test_only_networks_on_digit_images_can_start_from_the_digits():
    wine = BuilderSpec(task="wine", layers=(LayerDef("linear", 8),), start="digits_0_4")
    assert "needs the same input, 8×8 images" in " ".join(validate(wine))
    spec, warnings = from_query({"kind": "builder", "task": "wine", "layers": "linear:8", "start": "digits_0_4"})
    assert spec.start == "scratch" and any("8×8 images" in w for w in warnings)


def test_pretraining_is_refused_beyond_its_budget():
    big = (LayerDef("conv2d", 256), LayerDef("activation"), LayerDef("conv2d", 256), LayerDef("flatten"))
    spec = BuilderSpec(task="digits_few", layers=big, start="digits_0_4")
    problems = validate(spec)
    assert any("pretraining budget" in p for p in problems), problems
    with pytest.raises(InvalidSpec, match="pretraining budget"):
        make_run(spec)
