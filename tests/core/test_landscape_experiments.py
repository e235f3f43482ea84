"""The paper's five findings on small networks: each experiment, on its fixed seed, shows the contrast the paper
describes, and says so with its own numbers (the figures quoted in each test were measured on the CPU)."""

import numpy as np
import pytest

from dl_core.analyses import landscape_experiments as experiments
from dl_core.analyses.landscape import Cancelled
from dl_core.analyses.landscape_experiments import (
    CONVEXITY, LARGEST, PATH_SHARE, RISE_NORMALISED, RISE_PLAIN, TEST_ERROR, WEIGHT_NORM,
)
from helpers.specs import L, playground


def shares_reported():
    seen = []
    return seen, seen.append


def states_its_data(result):
    assert "training examples" in result.evaluated_on and result.claim.endswith(").")
    assert ("as the paper found" in result.verdict) == result.agrees


def test_the_plain_deep_net_is_sharper_and_less_convex_than_the_same_with_skips():
    seen, report = shares_reported()
    result = experiments.skip_connections(progress=report)
    plain, skips = (result.variants[name] for name in ("plain", "with skip connections"))
    # measured: λmax 21.1 against 2.14; mean |λmin/λmax| 50.3 against 0.43
    assert plain.figures[LARGEST] > skips.figures[LARGEST]
    assert plain.figures[CONVEXITY] > skips.figures[CONVEXITY]
    assert result.agrees
    states_its_data(result)
    for variant in (plain, skips):
        assert variant.convexity.ratio.shape == (7, 7) and variant.surface.losses.shape == (21, 21)
        assert variant.figures[CONVEXITY] == pytest.approx(np.abs(variant.convexity.smallest
                                                                  / variant.convexity.largest).mean())
    assert not plain.spec.model.skip and skips.spec.model.skip and plain.spec.model.hidden == skips.spec.model.hidden
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)


def test_the_small_batch_minimum_is_flatter_when_filter_normalised_and_no_worse_on_test_data():
    result = experiments.batch_size()
    small, large = result.variants["batch 8"].figures, result.variants["batch 256"].figures
    # measured: a rise of 0.242 against 0.431; test error 3.2 % both
    assert small[RISE_NORMALISED] < large[RISE_NORMALISED] and small[TEST_ERROR] <= large[TEST_ERROR]
    assert result.agrees
    states_its_data(result)
    alphas, losses = result.variants["batch 8"].slices["filter-normalised"]
    assert losses.shape == alphas.shape == (41,) and losses[20] == losses.min() or losses[20] < losses.mean()


def test_without_filter_normalisation_weight_decay_flips_which_minimum_looks_sharper():
    result = experiments.why_filter_normalisation()
    small, large, small_decayed, large_decayed = (v.figures for v in result.variants.values())
    # measured: plain rises 1.6e-5 against 0.0039 without decay, 0.0071 against 0.0040 with; norms 10.1 and 12.4
    assert small[RISE_PLAIN] < large[RISE_PLAIN] and small_decayed[RISE_PLAIN] > large_decayed[RISE_PLAIN]
    assert small_decayed[WEIGHT_NORM] < large_decayed[WEIGHT_NORM], "weight decay shrank the small batch's weights"
    assert small[TEST_ERROR] <= large[TEST_ERROR] and small_decayed[TEST_ERROR] <= large_decayed[TEST_ERROR]
    assert result.agrees
    states_its_data(result)


def test_the_wide_network_is_flatter_and_more_convex():
    result = experiments.width()
    narrow, wide = (v.figures for v in result.variants.values())
    # measured: a rise of 1.61 against 0.63; mean |λmin/λmax| 0.45 against 0.35
    assert wide[RISE_NORMALISED] < narrow[RISE_NORMALISED] and wide[CONVEXITY] < narrow[CONVEXITY]
    assert result.agrees
    states_its_data(result)
    assert [len(v.spec.model.hidden) for v in result.variants.values()] == [4, 4]


def test_two_pca_directions_hold_most_of_every_optimisers_path():
    result = experiments.optimiser_paths()
    shares = {name: v.figures[PATH_SHARE] for name, v in result.variants.items()}
    assert set(shares) == {"sgd", "momentum", "adam"}
    assert all(experiments.PATH_SHARE_LOW <= share <= 1 for share in shares.values())  # measured: 98–99 %
    assert result.agrees
    states_its_data(result)
    for variant in result.variants.values():
        assert variant.path.coordinates.shape == (len(variant.path_steps), 2)
        assert variant.figures[PATH_SHARE] == pytest.approx(variant.path.explained.sum())


def test_an_experiment_runs_on_the_learners_own_network_and_can_be_cancelled():
    learner = playground("xor", hidden=(L(5, "relu"),), optimizer="adam", lr=0.01, seed=3)
    result = experiments.optimiser_paths(learner, steps=100, resolution=5)
    for variant in result.variants.values():
        assert variant.spec.data == learner.data and variant.spec.model == learner.model
    seen, report = shares_reported()
    with pytest.raises(Cancelled):
        experiments.optimiser_paths(learner, steps=200, resolution=5, progress=report,
                                    should_stop=lambda: len(seen) > 1)
    assert 0 < seen[-1] < 0.5
