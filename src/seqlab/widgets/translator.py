"""Chapter 5's date translators, live in the page: type a date, read every model's output
and the attention weights of those that attend."""

from __future__ import annotations

import traitlets

from seqlab import _checks
from seqlab.seq2seq import Seq2Seq, translate_batch
from seqlab.widgets._validate import front_end
from seqlab.widgets.live import LiveWidget, live_state, named_models, vocab_state


class LiveTranslator(LiveWidget):
    """Encoder–decoders that translate what a reader types, run in JavaScript.

    The weights are exported into the widget (see :func:`~seqlab.widgets.live.export_model`)
    and ``live.js`` decodes greedily in the page, as :func:`~seqlab.seq2seq.translate`
    does; the page needs no kernel and no network. An empty box, a character outside the
    task's alphabet or a text past ``max_len`` gets a message in the widget.

    Args:
        models: ``{name: Seq2Seq}`` built with ``Seq2Seq.for_task`` on one task (or a
            single model); shown side by side, with attention weights where they exist.
        text: what the box holds at first.
        examples: texts offered in a menu; torch's translation of each is kept as
            ``reference`` (the browser test types them and compares).
        max_len: the longest text accepted (default 64 characters).

    Example:
        >>> LiveTranslator({"attention": att_model}, "3rd of March 2011")  # doctest: +SKIP

    Used in chapter 5.
    """

    _esm, _css = front_end("translator", "live", "live_ui")

    models = traitlets.List(traitlets.Dict()).tag(sync=True)

    def __init__(self, models, text: str = "", *, examples=(), max_len: int = 64):
        models = named_models(models, (Seq2Seq,), "seqlab.seq2seq.Seq2Seq")
        if None in (m.task for m in models.values()):
            raise ValueError("every model must be built with Seq2Seq.for_task(task)")
        task = next(iter(models.values())).task
        if any(
            m.task.src_vocab.chars != task.src_vocab.chars
            or m.task.tgt_vocab.chars != task.tgt_vocab.chars
            for m in models.values()
        ):
            raise ValueError("the models must share one task's vocabularies")
        max_len = _checks.integer("max_len", max_len)
        vocab = vocab_state(task.src_vocab, max_len)
        vocab["itos"] = vocab_state(task.tgt_vocab, max_len)["itos"]
        super().__init__(**live_state(models, _translated, examples), vocab=vocab, text=str(text))


def _translated(model: Seq2Seq, text: str) -> str:
    """``translate``'s greedy output, or ``""`` when it ends without ``<eos>`` (where
    ``translate_batch`` gives ``None`` and ``translate`` raises)."""
    (output,), _ = translate_batch(model, [text])
    return output or ""
