import numpy as np
import torch

from dl_core.data.groups import groups_balanced, groups_skewed


def test_group_b_is_rare_in_training_and_half_of_the_test_set():
    data = groups_skewed(0)
    assert int(data.train_groups.sum()) == 12 and len(data.y_train) == 600
    assert int(data.test_groups.sum()) == 200 and len(data.y_test) == 400
    assert torch.equal(data.x_train[:, 2].long(), data.train_groups) and data.group_names == ("group A", "group B")
    balanced = groups_balanced(0)
    assert int(balanced.train_groups.sum()) == 300


def test_each_group_follows_its_own_rule():
    data = groups_balanced(2)
    x, y, g = data.x_train.numpy(), data.y_train.numpy(), data.train_groups.numpy()
    rule_a, rule_b = x[:, 0] + x[:, 1] > 0, x[:, 0] * x[:, 1] > 0
    assert (y[g == 0] == rule_a[g == 0]).all() and (y[g == 1] == rule_b[g == 1]).all()
    assert 0.4 < np.mean(rule_a == rule_b) < 0.6, "the rules agree on about half of the plane"
