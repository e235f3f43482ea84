"""Attribution speed on the LeNet-style digits CNN (the Builder's preset, trained 100 steps), one thread:
every method's time for one example and for a batch of 64 (and the batch's gain over 64 single calls),
the sanity checks, the faithfulness metrics and the adversarial attacks.

Targets on the two-core CPU: each gradient method ≤ 50 ms an example (Integrated Gradients with 50 steps
included); Occlusion 2×2, Shapley sampling and LIME ≤ 300 ms; a full cascading randomisation ≤ 2 s.
Run: .venv/bin/python benchmarks/attribution.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import best_seconds, one_thread, row  # noqa: E402

from dl_core import from_preset, make_run  # noqa: E402
from dl_core.analyses.adversarial import accuracy_under_attack, attack  # noqa: E402
from dl_core.analyses.attribution import METHODS, attribute, attribute_many, default_options  # noqa: E402
from dl_core.analyses.examples import from_split  # noqa: E402
from dl_core.analyses.faithfulness import deletion_curve, faithfulness  # noqa: E402
from dl_core.analyses.sanity import randomisation_check  # noqa: E402

TARGETS_MS = {"gradient": 50, "layer": 50, "neuron": 50, "perturbation": 300}
BATCH = 64


def verdict(ms: float, target: float) -> str:
    return f"target ≤ {target:g} ms: {'met' if ms <= target else 'MISSED'}"


def main() -> None:
    one_thread()
    run = make_run(from_preset("lenet"))
    run.trainer.step(100)
    example = from_split(run, "test", 0)
    batch = run.trainer.x_test[:BATCH]
    accuracy = run.trainer.history.last("test_accuracy")
    print(f"LeNet-style CNN on the 8×8 digits after 100 steps (test accuracy {accuracy:.0%}), one thread, best of 5")
    print(f"  {'method (default options)':<52} {'one':>10} {'':<10} batch of {BATCH}: per example, gain over "
          f"{BATCH} single calls")
    for method in METHODS.values():
        one = best_seconds(lambda m=method.name: attribute(run, example, m), repeats=5) * 1000
        many = best_seconds(lambda m=method.name: attribute_many(run, batch, m), repeats=3) * 1000
        shown = {k: v for k, v in default_options(run, method.name).items()
                 if k not in ("smoothing", "smoothing_samples", "noise", "seed", "layer", "unit") and v != "zeros"}
        options = ", ".join(f"{k} {v}" for k, v in shown.items())
        row((method.label + (f" ({options})" if options else ""))[:52], one, "ms",
            f"{many / BATCH:6.2f} ms, {one * BATCH / many:4.1f}×   {verdict(one, TARGETS_MS[method.family])}")
    smooth = best_seconds(lambda: attribute(run, example, "saliency", smoothing="smoothgrad"), repeats=5) * 1000
    row("Saliency + SmoothGrad (20 noisy copies)", smooth, "ms", verdict(smooth, 50))
    smooth_ig = best_seconds(lambda: attribute(run, example, "integrated_gradients", smoothing="smoothgrad"),
                             repeats=3) * 1000
    row("Integrated Gradients + SmoothGrad (20 × 50 steps)", smooth_ig, "ms", verdict(smooth_ig, 50))

    print("Sanity checks (Adebayo et al. 2018): 4 layers with weights, 5 maps")
    for method in ("saliency", "integrated_gradients", "gradcam", "guided_backprop"):
        for mode in ("cascading", "independent"):
            seconds = best_seconds(lambda m=method, d=mode: randomisation_check(run, example, m, d), repeats=3)
            row(f"{mode} randomisation, {METHODS[method].label}", seconds * 1000, "ms",
                f"target ≤ 2,000 ms: {'met' if seconds <= 2 else 'MISSED'}" if mode == "cascading" else "")

    print("Faithfulness")
    for method in ("saliency", "integrated_gradients", "occlusion", "lime"):
        seconds = best_seconds(lambda m=method: faithfulness(run, example, m), repeats=3)
        row(f"infidelity, sensitivity: {METHODS[method].label}", seconds * 1000, "ms", "10 noisy inputs each")
    ig = attribute(run, example, "integrated_gradients")
    seconds = best_seconds(lambda: deletion_curve(run, example, ig), repeats=5)
    row("deletion curve (17 points, 5 random orders)", seconds * 1000, "ms")

    print(f"Adversarial examples ({len(run.trainer.y_test)} test images)")
    row("FGSM on one example", best_seconds(lambda: attack(run, example, 0.1), repeats=5) * 1000, "ms")
    row("PGD, 10 steps, on one example", best_seconds(lambda: attack(run, example, 0.1, "pgd"), repeats=5) * 1000,
        "ms")
    row("test accuracy under FGSM", best_seconds(lambda: accuracy_under_attack(run, 0.1), repeats=3) * 1000, "ms")
    row("test accuracy under PGD, 10 steps",
        best_seconds(lambda: accuracy_under_attack(run, 0.1, "pgd"), repeats=3) * 1000, "ms")


if __name__ == "__main__":
    main()
