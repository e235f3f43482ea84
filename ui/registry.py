"""The one registry of pages: ``app.py`` routes over it with ``st.navigation``, the home page lists it, and
each page finds its own entry by key (never by position). A new lab is a page file plus one line here."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Lab:
    key: str
    script: str  # the page file; its stem is its URL path (a cold deep link then opens it cleanly)
    title: str
    icon: str  # a Material Symbols name, bundled with Streamlit (no emoji font needed)
    section: str
    summary: str
    view: str = ""  # the module whose show(slot) draws the lab for any slot (a lesson's step embeds it)

    @property
    def url_path(self) -> str:
        return Path(self.script).stem


HOME = Lab("home", "pages/Home.py", "Home", ":material/home:", "", "What dl-lab is, and a map of the labs.")
LABS: tuple[Lab, ...] = (
    Lab("playground", "pages/Playground.py", "Playground", ":material/science:", "Labs",
        "Train a small network on 2D points and watch the decision boundary and every neuron change as it "
        "learns. Choose the data (or upload your own), input features, layers, activations, loss, optimiser "
        "and regularisation; share the exact network as a link.", view="ui.labs.playground"),
    Lab("builder", "pages/Builder.py", "Builder", ":material/construction:", "Labs",
        "Stack layers (dense, convolution, pooling, normalisation, dropout, residual blocks, RNN, LSTM, GRU, "
        "self-attention) and see each one's shape, parameters and cost; an impossible stack is refused with the "
        "reason. Train on handwritten digits, sequences, tables (yours too) or 2D points.", view="ui.labs.builder"),
    Lab("forward_backward", "pages/Forward_Backward.py", "Forward & Backward", ":material/swap_horiz:", "Labs",
        "Follow one example through the network and back with the actual numbers: each layer's z = Σwx + b "
        "and a = f(z), then the loss, and the chain rule layer by layer down to ∂L/∂W. Apply one optimiser "
        "step and see which weights moved, and by how much.", view="ui.labs.forward_backward"),
    Lab("loss_landscape", "pages/Loss_Landscape.py", "Loss Landscape", ":material/landscape:", "Labs",
        "See the terrain your own network's optimiser walks: the loss on a 2D slice through the weights "
        "(filter-normalised directions), as contours and as a 3D surface; the optimiser's path on the plane "
        "of its two main directions, growing as training runs; 1D slices; and the sharpness of the minimum.",
        view="ui.labs.loss_landscape"),
    Lab("gradient_flow", "pages/Gradient_Flow.py", "Gradient Flow", ":material/waterfall_chart:", "Labs",
        "Watch gradients travel back through each layer while training runs: their size, the weights' size, "
        "how far each update moves them, dead ReLU units and saturated sigmoids. A health panel names what it "
        "sees (vanishing, exploding, dead, saturated) and applies a remedy in one click.",
        view="ui.labs.gradient_flow"),
    Lab("attribution", "pages/Attribution.py", "Attribution", ":material/highlight:", "Labs",
        "Which inputs made your network answer as it did: captum's methods (gradients, Integrated Gradients, "
        "occlusion, Shapley, LIME, GradCAM…) on digits, points, tables and sequences. Then test the map with "
        "sanity checks and faithfulness, fool the network with FGSM and PGD, and watch the map grow in training.",
        view="ui.labs.attribution"),
    Lab("compare", "pages/Compare.py", "Compare", ":material/compare_arrows:", "Labs",
        "Train the same network twice from the same seed with one change (learning rate, activation, "
        "optimiser, batch size, a layer…) and see the two side by side: curves overlaid, boundaries or "
        "confusion matrices, final figures."),
    Lab("generative", "pages/Generative.py", "Generative", ":material/auto_awesome:", "Labs",
        "Squeeze digits into a 2D code and back with an autoencoder or a VAE: click the code plane to decode any "
        "point, walk between two digits, draw one and get its anomaly score. Then watch a GAN learn a ring, a "
        "grid or a shape you draw, with the discriminator, the generator's pushes and mode collapse in view.",
        view="ui.labs.generative"),
    Lab("lessons", "pages/Lessons.py", "Lessons", ":material/menu_book:", "Learn",
        "Short lessons that tie one idea to an experiment you run: read a step, train the network it opens, then "
        "answer a question or meet a challenge judged on your own run. Your progress is kept in your browser."),
    Lab("class", "pages/Class.py", "Class", ":material/groups:", "Learn",
        "A class board: a teacher starts a class and gets a short code; learners join with it and a nickname, and "
        "each check they pass in a lesson appears on the teacher's board: who passed what, how the figures spread, "
        "the best runs, each one a link that reopens the run."),
)


def lab_view(key: str) -> Callable[[str], None]:
    """The ``show(slot)`` of a lab that can be embedded (a lesson's step names the lab)."""
    return importlib.import_module(lab(key).view).show


def lab(key: str) -> Lab:
    for entry in (HOME, *LABS):
        if entry.key == key:
            return entry
    raise KeyError(key)
