"""Data about two groups of people (or places, or machines) whose answers follow different rules, where the
training set may hold far fewer examples of one group than of the other: a skewed training set makes a
skewed model, and only measuring per group shows it. The test set always holds both groups equally.

Each example is two measurements and the group it belongs to (0 = group A, 1 = group B). In group A the
answer is yes when the measurements add up to more than 0; in group B when they have the same sign. The
two rules agree on only half of the plane, so a network that learnt mostly A's rule gets many of B's
examples wrong, and its accuracy over everyone hides whom it fails.
"""

from __future__ import annotations

import numpy as np
import torch

from . import Data

def two_groups(seed: int, share_b: float, n_train: int = 600, n_test: int = 400) -> Data:
    """``n_train`` training examples of which a share ``share_b`` are from group B; ``n_test`` test examples,
    half from each group. Inputs (N, 3): measurement 1, measurement 2, group."""
    rng = np.random.default_rng(seed)

    def examples(n: int, n_b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        group = np.concatenate([np.zeros(n - n_b), np.ones(n_b)]).astype(np.int64)
        group = group[rng.permutation(n)]
        measured = rng.uniform(-1, 1, (n, 2))
        rule_a = measured[:, 0] + measured[:, 1] > 0
        rule_b = measured[:, 0] * measured[:, 1] > 0
        label = np.where(group == 1, rule_b, rule_a).astype(np.int64)
        return np.column_stack([measured, group]).astype(np.float32), label, group

    x_train, y_train, g_train = examples(n_train, round(n_train * share_b))
    x_test, y_test, g_test = examples(n_test, n_test // 2)
    name = "groups_balanced" if share_b >= 0.5 else "groups_skewed"
    label = f"Two groups, {100 * share_b:g} % of the training set from group B"
    as_x = lambda v: torch.as_tensor(v, dtype=torch.float32)  # noqa: E731
    as_y = lambda v: torch.as_tensor(v, dtype=torch.long)  # noqa: E731
    return Data(name, label, as_x(x_train), as_y(y_train), as_x(x_test), as_y(y_test), 2, "table",
                ("measurement 1", "measurement 2", "group (0 = A, 1 = B)"), ("no", "yes"),
                as_y(g_train), as_y(g_test), ("group A", "group B"))


def groups_skewed(seed: int) -> Data:
    """Group B is 2 % of the training set (12 of 600 examples) but half of the test set."""
    return two_groups(seed, 0.02)


def groups_balanced(seed: int) -> Data:
    """The same rules with half of the training set from each group."""
    return two_groups(seed, 0.5)
