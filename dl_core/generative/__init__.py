"""Generative models: the autoencoder family (plain, denoising, variational) on the digits, and a GAN on
2D distributions (after GAN Lab's idea of showing a GAN's whole game on a plane).

- ``targets``: the distributions a GAN learns (ring, grid, moons, line, drawn) and how many of their
  modes a set of generated points covers;
- ``autoencoder``: encoder and decoder presets, the model, its loss split into reconstruction and KL,
  and what a page asks of a trained one (codes, reconstructions, a walk, a decoded grid, an anomaly score);
- ``gan``: generator and discriminator, the three losses, and the live pictures (the discriminator over
  the plane, each generated point's push, the folded noise grid);
- ``trainers``: the trainers a run holds, with the surface of ``dl_core.trainer.Trainer``;
- ``runs``: the makers ``runs.make_run`` calls for the kinds "autoencoder" and "gan".

``specs`` reads this package's registries (presets, targets, losses) for its field tables, and these modules
use ``specs.budget``. So the package makes sure ``specs`` is loaded first, whichever of the two is imported
first; it re-exports nothing, so that loading it stays cheap.
"""

from .. import specs  # noqa: F401  (first: see above)
