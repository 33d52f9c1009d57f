"""A trained model's weights as a live widget's state, for ``live.js`` to run in the page.

The page cannot call torch: a live widget carries the weights (float32, base64, inside
the widget's own state, so a page opened from disk needs no download) and ``live.js``
runs the forward pass in JavaScript, with the same equations as the Python modules. The
parity test (``tests/test_live_parity.py``) runs ``live.js`` under Node and checks its
logits against torch's on the same weights. The live widgets
(:class:`~seqlab.widgets.LiveTranslator`, :class:`~seqlab.widgets.LiveCharModels`,
:class:`~seqlab.widgets.LiveGates`) are built on it.

Taught in chapters 1, 5 and 9.
"""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

import anywidget
import torch
import traitlets
from torch import nn

from seqlab.data.text import CharVocab
from seqlab.rnn import RNNLM
from seqlab.seq2seq import Seq2Seq
from seqlab.transformer import TransformerLM

__all__ = ["LIVE_JS", "LiveWidget", "export_model", "exported_bytes", "vocab_state"]

LIVE_JS = Path(__file__).with_name("live.js")  # the forward pass in JavaScript


class LiveWidget(anywidget.AnyWidget):
    """What every live widget stores besides its weights: the vocabulary
    (:func:`vocab_state`), the text in the box at first, the examples of its menu and
    torch's answers to them (``reference``, for the browser test)."""

    vocab = traitlets.Dict().tag(sync=True)
    text = traitlets.Unicode("").tag(sync=True)
    examples = traitlets.List(traitlets.Unicode()).tag(sync=True)
    reference = traitlets.Dict().tag(sync=True)


def export_model(model: nn.Module) -> dict:
    """``model``'s kind, configuration and weights, for ``live.js``'s ``liveModel``.

    Args:
        model: a :class:`~seqlab.seq2seq.Seq2Seq` (the encoder–decoders of chapters 4
            and 5), a :class:`~seqlab.rnn.RNNLM` (the character models of chapters 1
            and 3) or a :class:`~seqlab.transformer.TransformerLM` (chapters 7 and 9;
            sinusoidal, learned or no positions).

    Returns:
        ``{"kind", "config", "tensors": {name: {"shape", "data"}}}``: the kind
        (``"seq2seq"``, ``"rnnlm"`` or ``"transformerlm"``), the config as a dict, and
        every tensor of the state dict as little-endian float32, base64-encoded.
    """
    kinds = {Seq2Seq: "seq2seq", RNNLM: "rnnlm", TransformerLM: "transformerlm"}
    kind = kinds.get(type(model))
    if kind is None:
        raise TypeError(
            "model must be a seqlab.seq2seq.Seq2Seq, seqlab.rnn.RNNLM or "
            f"seqlab.transformer.TransformerLM, got {type(model).__name__}"
        )
    if kind == "transformerlm" and model.config.positional == "rope":
        raise ValueError("live.js does not run rotary positions yet: export another model")
    tensors = {}
    for name, value in model.state_dict().items():
        data = value.detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4")
        tensors[name] = {
            "shape": list(value.shape),
            "data": base64.b64encode(data.tobytes()).decode("ascii"),
        }
    return {"kind": kind, "config": dataclasses.asdict(model.config), "tensors": tensors}


def exported_bytes(exported: dict) -> int:
    """How many bytes the exported weights add to a page (their base64 text)."""
    return sum(len(t["data"]) for t in exported["tensors"].values())


def vocab_state(vocab: CharVocab, max_len: int) -> dict:
    """``vocab`` for ``live.js``: ``index`` (character -> id, for ``liveEncode``), ``itos``
    (id -> what ``decode`` writes: specials' names, characters, ``"\ufffd"`` for the
    unknown id) and the longest text the widget accepts, ``max_len``."""
    if not isinstance(vocab, CharVocab):
        raise TypeError(f"vocab must be a seqlab.data.CharVocab, got {type(vocab).__name__}")
    itos = [*vocab.specials, *vocab.chars] + (["\ufffd"] if vocab.unknown == "unk" else [])
    return {"index": dict(vocab.index), "itos": itos, "max_len": int(max_len)}


def live_state(models: dict, answer, examples) -> dict:
    """A live widget's ``models`` (exported), ``examples`` and ``reference``: torch's
    ``answer(model, example)`` for every model and example."""
    examples = [str(e) for e in examples]
    return {
        "models": [{"name": n, "exported": export_model(m)} for n, m in models.items()],
        "examples": examples,
        "reference": {e: {n: answer(m, e) for n, m in models.items()} for e in examples},
    }


def named_models(models, kinds: tuple[type, ...], what: str) -> dict:
    """``{name: model}`` checked: a non-empty mapping of names to models of ``kinds``."""
    if isinstance(models, kinds):
        models = {type(models).__name__: models}
    if not isinstance(models, dict) or not models:
        raise TypeError(f"models must be a non-empty dict of name -> {what}")
    for name, model in models.items():
        if not isinstance(name, str) or not isinstance(model, kinds):
            raise TypeError(
                f"models[{name!r}] must be a {what} under a str name, got {type(model).__name__}"
            )
    return models
