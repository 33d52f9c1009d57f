"""Chapter 5's date translators, live in the page: type a date, read every model's output
and the attention weights of those that attend."""

from __future__ import annotations

import anywidget
import torch
import traitlets

from seqlab.seq2seq import Seq2Seq, translate
from seqlab.utils import evaluating
from seqlab.widgets._validate import front_end
from seqlab.widgets.live import export_model, named_models, vocab_state


class LiveTranslator(anywidget.AnyWidget):
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
    vocab = traitlets.Dict().tag(sync=True)
    text = traitlets.Unicode("").tag(sync=True)
    examples = traitlets.List(traitlets.Unicode()).tag(sync=True)
    reference = traitlets.Dict().tag(sync=True)

    def __init__(self, models, text: str = "", *, examples=(), max_len: int = 64):
        models = named_models(models, (Seq2Seq,), "seqlab.seq2seq.Seq2Seq")
        tasks = {id(m.task) for m in models.values()}
        if None in (m.task for m in models.values()):
            raise ValueError("every model must be built with Seq2Seq.for_task(task)")
        task = next(iter(models.values())).task
        if len(tasks) > 1 and any(
            m.task.src_vocab.chars != task.src_vocab.chars
            or m.task.tgt_vocab.chars != task.tgt_vocab.chars
            for m in models.values()
        ):
            raise ValueError("the models must share one task's vocabularies")
        examples = [str(e) for e in examples]
        reference = {}
        for example in examples:  # torch's answers, for the browser test
            reference[example] = {
                name: _translated(model, example) for name, model in models.items()
            }
        vocab = vocab_state(task.src_vocab, max_len)
        vocab["itos"] = vocab_state(task.tgt_vocab, max_len)["itos"]
        super().__init__(
            models=[{"name": n, "exported": export_model(m)} for n, m in models.items()],
            vocab=vocab,
            text=str(text),
            examples=examples,
            reference=reference,
        )


def _translated(model: Seq2Seq, text: str) -> str:
    """``translate``'s greedy output, or ``""`` when it ends without ``<eos>``."""
    with evaluating(model), torch.no_grad():
        try:
            return translate(model, text)
        except ValueError as error:
            if "eos" not in str(error):
                raise
            return ""
