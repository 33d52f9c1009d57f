"""What the two suites at scale share (``sweep`` and ``context``): the code corpus as ids,
the tier's settings, matched model pairs, one training run, and the loss at each position
of held-out windows."""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

from seqlab.bench import rules as R
from seqlab.bench import scale_rules as S
from seqlab.bench.common import lm_pair, scale_rules_sha256, search_each, seeded, stamp
from seqlab.data.code import code_corpus, code_vocab
from seqlab.data.text import text_batches
from seqlab.train import evaluate, fit

__all__ = [
    "CodeData",
    "evaluate_loss",
    "pair",
    "position_loss",
    "scale_result",
    "scale_seeds",
    "search_rungs",
    "tier_config",
    "tier_spec",
    "train_code_lm",
]


def tier_spec(suite: str, tier: str, quick: bool) -> dict:
    """The settings of ``suite`` (``"sweep"`` or ``"context"``) in ``tier`` (``"cpu"``
    or ``"gpu"``) of :mod:`~seqlab.bench.scale_rules`; ``quick`` keeps the tier's shape
    (layers, context, batch) with tiny rungs, a few steps and a batch of two."""
    if tier not in S.TIERS:
        raise ValueError(f"tier must be one of {sorted(S.TIERS)}, got {tier!r}")
    spec = dict(S.TIERS[tier][suite])
    if quick:
        spec.update(rungs=S.QUICK_RUNGS[: len(spec["rungs"]) if suite == "context" else 3])
        spec.update(steps=S.QUICK_STEPS, batch=S.QUICK_BATCH, heads=2, head_size=None)
        spec.update(d_embed=16)
        if suite == "sweep":
            spec.update(data_rung=0, eval_every=2, data_shares=(0.25, 0.5))
    return spec


def scale_seeds(quick: bool) -> list[int]:
    """The reported seeds of the suites at scale (one with ``quick``)."""
    return list(R.QUICK_SEEDS if quick else S.SCALE_SEEDS)


def search_rungs(pairs: list[dict], data: CodeData, spec: dict, run_device, quick: bool):
    """Each family's learning-rate search at each rung (``common.search_each``: the whole
    first grid at the first rung, then the neighbourhood of the last best), trained with
    ``rules.TUNE_SEED`` and scored by validation loss. A rate that diverged is recorded
    with a loss of ``None``."""
    searches, previous = [], None
    for p in pairs:

        def score(name, lr, p=p):
            info = train_code_lm(p[name], data, spec, lr, R.TUNE_SEED, run_device)[1]
            return {"loss": info["valid_loss"], "metric": None}

        previous = search_each(score, ["lstm", "transformer"], previous, quick=quick)
        searches.append(previous)
    return [
        {name: {**found, "loss": [v if math.isfinite(v) else None for v in found["loss"]]}
         for name, found in search.items()}
        for search in searches
    ]  # fmt: skip


def tier_config(spec: dict, tier: str, quick: bool, data: CodeData) -> dict:
    """The ``config`` of a results file: the tier's settings as run, the budget per run
    (training characters) and the vocabulary."""
    return {
        "quick": quick,
        "tier": tier,
        **{k: v for k, v in spec.items() if k != "rungs"},
        "rungs": [list(r) for r in spec["rungs"]],
        "tokens_per_run": spec["steps"] * spec["batch"] * spec["seq_len"],
        "vocab": data.vocab,
        "valid_chars": S.VALID_CHARS,
        "test_chars": S.TEST_CHARS,
    }


def scale_result(suite: str, run_device, seeds: list[int], config: dict, data, **fields) -> dict:
    """A results dict of a suite at scale: its stamp adds to :func:`~seqlab.bench.common.
    stamp` the hash of :mod:`~seqlab.bench.scale_rules`, the corpus fingerprint and the
    tier; ``corpus`` is the corpus's summary; then ``fields`` (``params``, ``rows``, ...)."""
    where = stamp(torch.device(run_device), seeds)
    where.update(
        scale_rules_sha256=scale_rules_sha256(),
        corpus_sha256=data.summary["corpus_sha256"],
        tier=config["tier"],
    )
    return {"suite": suite, "stamp": where, "config": config, "corpus": data.summary, **fields}


class CodeData:
    """The code corpus as ids, with the held-out windows of a context of ``seq_len``.

    Attributes:
        vocab: the number of ids (97 characters and ``<unk>``).
        train: the training split's ids.
        summary: the corpus's :meth:`~seqlab.data.code.CodeCorpus.summary`.
    """

    def __init__(self, seq_len: int, quick: bool = False):
        corpus = code_corpus()
        self.seq_len, self.vocab = seq_len, len(code_vocab())
        self.summary = corpus.summary()
        self.train = corpus.ids("train")
        # quick: two windows each, enough to run every line of the evaluation
        valid_chars = 2 * seq_len + 1 if quick else S.VALID_CHARS + 1
        test_chars = 2 * seq_len + 1 if quick else S.TEST_CHARS + 1
        self._valid = corpus.ids("valid")[:valid_chars]
        self._test = corpus.ids("test")[:test_chars]

    def windows(self, split: str) -> list:
        """The held-out batches of ``split`` (``"valid"`` or ``"test"``): consecutive
        non-overlapping windows of ``seq_len`` characters, 64 a batch."""
        ids = {"valid": self._valid, "test": self._test}[split]
        return list(text_batches(ids, 64, self.seq_len, vocab_size=self.vocab, shuffle=False))

    def batches(self, batch: int, seed: int, chars: int | None = None):
        """Endless random training windows of the first ``chars`` training characters
        (all when ``None``), drawn by a generator seeded with ``seed``."""
        ids = self.train if chars is None else self.train[: chars + 1]
        generator = torch.Generator().manual_seed(seed)
        return text_batches(ids, batch, self.seq_len, vocab_size=self.vocab, generator=generator)


def pair(spec: dict, rung: tuple[int, int], data: CodeData) -> dict:
    """The matched LSTM and Transformer of ``rung`` = (hidden units, width) under the
    settings ``spec`` of :func:`tier_spec`."""
    hidden, d_model = rung
    heads = spec.get("heads") or d_model // spec["head_size"]
    return lm_pair(
        data.vocab,
        hidden=hidden,
        d_model=d_model,
        max_len=data.seq_len,
        n_heads=heads,
        n_layers=spec["tf_layers"],
        d_embed=spec["d_embed"],
        lstm_layers=spec["lstm_layers"],
    )


def train_code_lm(
    make,
    data: CodeData,
    spec: dict,
    lr: float,
    seed: int,
    run_device,
    *,
    chars: int | None = None,
) -> tuple[nn.Module, dict]:
    """Train ``make()`` (seeded with ``seed``) for ``spec["steps"]`` steps at ``lr`` on
    the first ``chars`` training characters (all when ``None``).

    With ``chars`` (the data sweep) the validation loss is read every
    ``spec["eval_every"]`` steps, training stops after ``spec["patience"]`` readings
    without a new best, and the best weights are kept (early stopping).

    Returns:
        ``(model, info)``: the model in eval mode, and ``{"valid_loss", "steps",
        "seconds", "best_step"}`` (``best_step`` with ``chars`` only).
    """
    model = seeded(make, seed, run_device)
    batches = (b.to(run_device) for b in data.batches(spec["batch"], seed, chars))
    valid = [b.to(run_device) for b in data.windows("valid")]
    if chars is None:
        history = fit(model, batches, steps=spec["steps"], lr=lr, clip=R.CLIP, progress=False)
        loss = evaluate_loss(model, valid)
        return model.eval(), {
            "valid_loss": loss,
            "steps": spec["steps"],
            "seconds": sum(history.seconds),
        }
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    best = {"valid_loss": math.inf, "best_step": 0, "state": None}
    done, seconds, stale = 0, 0.0, 0
    while done < spec["steps"] and stale < spec["patience"]:
        run = min(spec["eval_every"], spec["steps"] - done)
        history = fit(model, batches, steps=run, optimizer=optimizer, clip=R.CLIP, progress=False)
        done, seconds = done + run, seconds + sum(history.seconds)
        loss = evaluate_loss(model, valid)
        if loss < best["valid_loss"]:
            best = {
                "valid_loss": loss,
                "best_step": done,
                "state": copy.deepcopy(model.state_dict()),
            }
            stale = 0
        else:
            stale += 1
    state = best.pop("state")
    if state is None:  # no evaluation was finite: report the last (non-finite) loss
        best["valid_loss"] = loss
    else:
        model.load_state_dict(state)
    return model.eval(), {**best, "steps": done, "seconds": seconds}


def position_loss(model: nn.Module, windows: list) -> torch.Tensor:
    """The mean cross-entropy at each position of ``windows`` (batches of
    :meth:`CodeData.windows`): a ``(seq_len,)`` tensor whose entry ``i`` is the loss of
    predictions made with ``i + 1`` characters of context."""
    total, count = None, 0
    with torch.no_grad():
        for batch in windows:
            out = model(batch.x)
            logits = out[0] if isinstance(out, tuple) else out  # (B, L, V)
            loss = nn.functional.cross_entropy(
                logits.transpose(1, 2), batch.y, reduction="none"
            )  # (B, L)
            total = loss.sum(0) if total is None else total + loss.sum(0)
            count += loss.shape[0]
    if total is None:
        raise ValueError("position_loss got no windows")
    return (total / count).cpu()


def evaluate_loss(model: nn.Module, windows: list) -> float:
    """The mean cross-entropy over every position of ``windows``
    (:func:`seqlab.train.evaluate`, in eval mode)."""
    return evaluate(model, windows)[0]
