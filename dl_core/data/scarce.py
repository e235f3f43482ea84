"""Digits when examples are scarce: a few of each kind, the same few augmented with shifted and turned
copies, and the digits cut in two halves for transfer learning (learn 0–4 from many examples, then 5–9
from a few). Nothing is downloaded: the images are scikit-learn's 8×8 digits, scaled to 0–1.

Every test set is what is left of the chosen digits after the training examples are picked, so the
plain and the augmented task are measured on exactly the same test images.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits

from . import Data, make_data


def few_digits_split(seed: int, classes: tuple[int, ...], per_class: int) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test): ``per_class`` training images of each digit in ``classes``, the
    rest of those digits for testing. Labels count from 0 in the order of ``classes``. Images (N, 1, 8, 8)."""
    data = load_digits()
    images, digits = (data.images / 16.0)[:, None], data.target
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in classes:
        chosen = rng.permutation(np.flatnonzero(digits == digit))
        train.append(chosen[:per_class])
        test.append(chosen[per_class:])
    train, test = np.concatenate(train), np.concatenate(test)
    label = {digit: k for k, digit in enumerate(classes)}
    as_labels = lambda index: np.array([label[d] for d in digits[index]], dtype=np.int64)  # noqa: E731
    return images[train], as_labels(train), images[test], as_labels(test)


def shifted(images: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """Every image moved by whole pixels, the uncovered border left blank. (N, 1, H, W) → (N, 1, H, W)"""
    moved = np.roll(images, (rows, columns), axis=(2, 3))
    if rows > 0:
        moved[:, :, :rows] = 0
    elif rows < 0:
        moved[:, :, rows:] = 0
    if columns > 0:
        moved[:, :, :, :columns] = 0
    elif columns < 0:
        moved[:, :, :, columns:] = 0
    return moved


def turned(images: np.ndarray, degrees: float) -> np.ndarray:
    """Every image rotated about its centre, each pixel read from the unrotated image by bilinear
    interpolation (blank outside it). (N, 1, H, W) → (N, 1, H, W)"""
    n, channels, height, width = images.shape
    angle = np.deg2rad(degrees)
    rows, columns = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    centre_r, centre_c = (height - 1) / 2, (width - 1) / 2
    # where each output pixel comes from: the inverse rotation of its position
    r = np.cos(angle) * (rows - centre_r) - np.sin(angle) * (columns - centre_c) + centre_r
    c = np.sin(angle) * (rows - centre_r) + np.cos(angle) * (columns - centre_c) + centre_c
    r0, c0 = np.floor(r).astype(int), np.floor(c).astype(int)
    result = np.zeros_like(images)
    for dr, dc in ((0, 0), (0, 1), (1, 0), (1, 1)):
        rr, cc = r0 + dr, c0 + dc
        weight = (1 - np.abs(r - rr)) * (1 - np.abs(c - cc))
        inside = (rr >= 0) & (rr < height) & (cc >= 0) & (cc < width)
        values = images[:, :, np.clip(rr, 0, height - 1), np.clip(cc, 0, width - 1)]
        result += values * (weight * inside)
    return result.astype(images.dtype)


def augmented(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The images, then four copies shifted one pixel (up, down, left, right) and two turned 12° either way:
    seven times as many training examples, each still a plausible handwritten digit."""
    copies = [images] + [shifted(images, r, c) for r, c in ((-1, 0), (1, 0), (0, -1), (0, 1))]
    copies += [turned(images, degrees) for degrees in (-12.0, 12.0)]
    return np.concatenate(copies), np.tile(labels, len(copies))


def digit_data(name: str, label: str, parts: tuple[np.ndarray, ...], classes: tuple[int, ...]) -> Data:
    """A ``Data`` from a split already chosen (``make_data`` would shuffle the examples apart again)."""
    as_x = lambda v: torch.as_tensor(np.ascontiguousarray(v), dtype=torch.float32)  # noqa: E731
    as_y = lambda v: torch.as_tensor(np.ascontiguousarray(v), dtype=torch.long)  # noqa: E731
    x_train, y_train, x_test, y_test = parts
    return Data(name, label, as_x(x_train), as_y(y_train), as_x(x_test), as_y(y_test), len(classes), "image",
                class_names=tuple(map(str, classes)))


def digits_few(seed: int) -> Data:
    """20 training images of each digit (200 in all); the other 1,597 digits test the network."""
    parts = few_digits_split(seed, tuple(range(10)), 20)
    return digit_data("digits_few", "20 digits of each kind", parts, tuple(range(10)))


def digits_few_augmented(seed: int) -> Data:
    """The same 200 training images as ``digits_few`` and six shifted or turned copies of each (1,400); the
    same test images."""
    x_train, y_train, x_test, y_test = few_digits_split(seed, tuple(range(10)), 20)
    x_more, y_more = augmented(x_train, y_train)
    return digit_data("digits_few_augmented", "20 digits of each kind, augmented", (x_more, y_more, x_test, y_test),
                      tuple(range(10)))


def digits_0_4(seed: int) -> Data:
    """Every image of the digits 0–4 (901), 70 % of them for training: what a network learns first when it
    is to be reused on the other digits."""
    data = load_digits()
    keep = data.target < 5
    return make_data("digits_0_4", "The digits 0–4", (data.images[keep] / 16.0)[:, None],
                     data.target[keep].astype(np.int64), 5, "image", 0.7, np.random.default_rng(seed),
                     class_names=tuple(map(str, range(5))))


def digits_5_9_few(seed: int) -> Data:
    """10 training images of each of the digits 5–9 (50 in all); the other 846 test the network."""
    classes = (5, 6, 7, 8, 9)
    return digit_data("digits_5_9_few", "The digits 5–9, 10 of each", few_digits_split(seed, classes, 10), classes)
