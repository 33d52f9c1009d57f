"""Character language models, live in the page: next-character distributions, sampling
with a temperature, and (for a Transformer) each head's attention over the prompt."""

from __future__ import annotations

import torch
import traitlets

from seqlab import _checks
from seqlab.data.text import CharVocab
from seqlab.rnn import RNNLM
from seqlab.transformer import TransformerLM
from seqlab.utils import evaluating
from seqlab.widgets._validate import front_end
from seqlab.widgets.live import LiveWidget, live_state, named_models, vocab_state

TOP = 5  # characters per model kept in ``reference`` for each example


class LiveCharModels(LiveWidget):
    """Character models that read what a reader types, run in JavaScript in the page.

    For each model: the most likely next characters (at the temperature on the slider),
    a sampled continuation (``Sample``; a seeded generator, so a seed repeats its text),
    and for a :class:`~seqlab.transformer.TransformerLM` the causal attention of a chosen
    layer and head. An empty box, a character outside ``vocab`` or a prompt longer than
    a model reads gets a message in the widget, never a silent cut.

    Args:
        models: ``{name: RNNLM or TransformerLM}`` sharing ``vocab`` (or one model).
        vocab: the :class:`~seqlab.data.CharVocab` the models were trained with.
        text: the prompt shown at first.
        examples: prompts offered in a menu; torch's top next characters of each are
            kept as ``reference`` (the browser test types them and compares).
        max_len: the longest prompt accepted (a Transformer: at most its ``max_len``).
        sample_length: how many characters ``Sample`` writes.

    Example:
        >>> LiveCharModels({"LSTM": lstm, "Transformer": tf}, vocab, "The for ")  # doctest: +SKIP

    Used in chapters 1 and 9.
    """

    _esm, _css = front_end("char_models", "live", "live_ui")

    models = traitlets.List(traitlets.Dict()).tag(sync=True)
    sample_length = traitlets.Int(80).tag(sync=True)

    def __init__(
        self,
        models,
        vocab: CharVocab,
        text: str = "",
        *,
        examples=(),
        max_len: int = 200,
        sample_length: int = 80,
    ):
        models = named_models(models, (RNNLM, TransformerLM), "RNNLM or TransformerLM")
        state = vocab_state(vocab, _checks.integer("max_len", max_len))
        for name, model in models.items():
            if model.config.vocab_size != len(vocab):
                raise ValueError(
                    f"models[{name!r}] has {model.config.vocab_size} outputs but vocab has "
                    f"{len(vocab)} ids: pass the vocabulary it was trained with"
                )
        super().__init__(
            **live_state(models, lambda model, e: _top(model, vocab, e, state["itos"]), examples),
            vocab=state,
            text=str(text),
            sample_length=_checks.integer("sample_length", sample_length, 1, 1000),
        )


def _top(model: RNNLM | TransformerLM, vocab: CharVocab, prompt: str, itos: list) -> list[list]:
    """torch's ``TOP`` most likely next characters after ``prompt``, with probabilities."""
    ids = vocab.encode(prompt)[None]  # (1, P)
    with evaluating(model), torch.no_grad():
        out = model(ids)
        logits = (out[0] if isinstance(out, tuple) else out)[0, -1]  # (V,)
    probs = logits.softmax(-1)
    values, order = probs.topk(TOP)
    return [[itos[i], round(float(p), 6)] for i, p in zip(order.tolist(), values, strict=True)]
