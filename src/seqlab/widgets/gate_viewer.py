"""Chapter 3's gates, live in the page: type a sequence, see every unit's gate values."""

from __future__ import annotations

import torch
import traitlets

from seqlab import _checks
from seqlab.data.text import CharVocab
from seqlab.diagnostics import gate_trace
from seqlab.rnn import RNNLM
from seqlab.utils import evaluating
from seqlab.widgets._validate import front_end
from seqlab.widgets.live import LiveWidget, export_model, vocab_state


class LiveGates(LiveWidget):
    """The gates of a trained one-layer LSTM or GRU language model over typed text.

    A menu picks the gate (LSTM: input, forget, candidate, output, the cell state ``c``
    and ``h``; GRU: reset, update, candidate, ``h``); the heatmap shows it for every unit
    at every character, computed in JavaScript as :func:`~seqlab.diagnostics.gate_trace`
    does, and the line above it the model's most likely output at each step.

    Args:
        model: an :class:`~seqlab.rnn.RNNLM` with ``cell="lstm"`` or ``"gru"``.
        vocab: a :class:`~seqlab.data.CharVocab` naming its ids, one character each.
        text: the input shown at first.
        examples: inputs offered in a menu; torch's predictions and the ``gate`` values
            of each are kept as ``reference`` (the browser test types them and compares).
        gate: the gate shown at first.
        max_len: the longest input accepted.

    Used in chapter 3.
    """

    _esm, _css = front_end("gate_viewer", "live", "live_ui")

    model = traitlets.Dict().tag(sync=True)
    gate = traitlets.Unicode("forget").tag(sync=True)

    def __init__(
        self,
        model: RNNLM,
        vocab: CharVocab,
        text: str = "",
        *,
        examples=(),
        gate: str = "forget",
        max_len: int = 120,
    ):
        if not isinstance(model, RNNLM) or model.config.cell not in ("lstm", "gru"):
            raise TypeError("model must be a seqlab.rnn.RNNLM with cell='lstm' or 'gru'")
        names = (
            ("input", "forget", "candidate", "output", "c", "h")
            if model.config.cell == "lstm"
            else ("reset", "update", "candidate", "h")
        )
        if gate not in names:
            raise ValueError(f"gate must be one of {names} for this {model.config.cell}")
        if model.config.vocab_size != len(vocab):
            raise ValueError(
                f"model has {model.config.vocab_size} inputs but vocab has {len(vocab)} ids"
            )
        state = vocab_state(vocab, _checks.integer("max_len", max_len))
        examples = [str(e) for e in examples]
        super().__init__(
            model=export_model(model),
            vocab=state,
            text=str(text),
            gate=gate,
            examples=examples,
            reference={e: _traced(model, vocab, e, gate, state["itos"]) for e in examples},
        )


def _traced(model: RNNLM, vocab: CharVocab, text: str, gate: str, itos: list) -> dict:
    """torch's predictions and ``gate`` values ``(H, L)`` for ``text``."""
    ids = vocab.encode(text)[None]  # (1, L)
    with evaluating(model), torch.no_grad():
        logits, _ = model(ids)  # (1, L, V)
        trace = gate_trace(model.rnn, model.embed(ids))
    predictions = "".join(itos[i] for i in logits[0].argmax(-1).tolist())
    return {"predictions": predictions, "values": trace[gate][0].T.tolist()}
