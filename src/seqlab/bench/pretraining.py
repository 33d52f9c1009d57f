"""Suite ``pretrain``: does pretraining help the Transformer more than the LSTM?

Each family is pretrained its own way on the standard library's source outside four
packages (the LSTM as ELMo's bidirectional LM, the Transformer as BERT's masked LM, at
matched size), then fine-tuned to tell which package a snippet comes from, against the
same model trained from scratch on the labelled snippets alone; the rules are in
:mod:`~seqlab.bench.pretrain_rules`. The pretrained weights are saved as small float16
checkpoints beside the results file, so chapter 13 fine-tunes them live without
pretraining (the committed ones ship with the package).

Taught in chapter 13.
"""

from __future__ import annotations

import hashlib
import io
import math
from pathlib import Path

import torch

from seqlab.bench import pretrain_rules as P
from seqlab.bench import rules as R
from seqlab.bench.common import (
    check_matched,
    matched_d_ff,
    pretrain_rules_sha256,
    search_each,
    search_lr,
    seeded,
    spread,
    stamp,
)
from seqlab.data.code import code_vocab
from seqlab.data.packages import PackageTask, package_task
from seqlab.data.text import text_batches
from seqlab.pretrain import BiLM, Classifier, MaskedLM, bilm_loss, fine_tune, mask_tokens
from seqlab.train import evaluate, fit, sequence_loss
from seqlab.transformer import TransformerConfig
from seqlab.utils import atomic_write, count_parameters

__all__ = [
    "FAMILIES",
    "checkpoint_folder",
    "finetune_one",
    "labelled_sets",
    "load_pretrained",
    "pretrain_pair",
    "pretrain_suite",
    "settings",
    "starting_body",
]

FAMILIES = ("lstm", "transformer")
STARTS = ("pretrained", "scratch")
CHANCE = 0.25


def settings(quick: bool = False) -> dict:
    """The suite's settings (:mod:`~seqlab.bench.pretrain_rules`; tiny with ``quick``)."""
    if quick:
        q = P.QUICK
        return {
            "pretrain": dict(q["pretrain"]),
            "finetune": dict(q["finetune"]),
            "labelled_sizes": list(q["labelled_sizes"]),
            "valid_snippets": q["valid_snippets"],
            "test_snippets": q["test_snippets"],
            "valid_chars": q["valid_chars"],
            "seeds": list(R.QUICK_SEEDS),
        }
    return {
        "pretrain": dict(P.PRETRAIN),
        "finetune": dict(P.FINETUNE),
        "labelled_sizes": list(P.LABELLED_SIZES),
        "valid_snippets": P.VALID_SNIPPETS,
        "test_snippets": P.TEST_SNIPPETS,
        "valid_chars": P.PRETRAIN_VALID_CHARS,
        "seeds": list(P.PRETRAIN_SEEDS),
    }


def pretrain_pair(vocab: int, max_len: int) -> dict:
    """``{"lstm": make, "transformer": make}``: the BiLM and the masked LM of
    ``pretrain_rules.PAIR`` (the masked LM's ``d_ff`` matched to the BiLM's count; it
    has ``vocab + 1`` ids, the last one ``[MASK]``)."""
    pair = P.PAIR

    def lstm():
        return BiLM(vocab, pair["d_embed"], pair["hidden"], forget_bias=R.FORGET_BIAS)

    def transformer_of(d_ff):
        config = TransformerConfig(
            vocab_size=vocab + 1,
            d_model=pair["d_model"],
            n_heads=pair["heads"],
            n_layers=pair["layers"],
            d_ff=d_ff,
            max_len=max_len,
        )
        return MaskedLM(config)

    target = count_parameters(lstm())
    d_ff = matched_d_ff(transformer_of, target, 16 * pair["d_model"])
    check_matched({"lstm": target, "transformer": count_parameters(transformer_of(d_ff))})
    return {"lstm": lstm, "transformer": lambda: transformer_of(d_ff)}


def _objective(name: str, vocab: int, generator: torch.Generator):
    """How family ``name`` turns a window batch into its pretraining batch and loss."""
    if name == "lstm":
        return (lambda b: b), bilm_loss
    return (lambda b: mask_tokens(b.x, mask_id=vocab, vocab_size=vocab + 1,
                                  generator=generator)), sequence_loss  # fmt: skip


def _pretrain(make, name, ids, valid, spec, lr, seed, steps, run_device):
    """Pretrain ``make()`` (seeded) for ``steps`` steps, with :func:`seqlab.train.fit`
    reading the validation loss every ``eval_every`` steps and at the end. Returns
    ``(model, {"steps", "valid_loss", "seconds"})``, a non-finite loss as ``None``."""
    vocab = len(code_vocab())
    model = seeded(make, seed, run_device)
    generator = torch.Generator().manual_seed(seed)
    prepare, loss_fn = _objective(name, vocab, generator)
    windows = text_batches(ids, spec["batch"], spec["window"], vocab_size=vocab,
                           generator=generator)  # fmt: skip
    batches = (prepare(b).to(run_device) for b in windows)
    # the validation batches are masked once, with a fixed generator: the same every reading
    fixed = torch.Generator().manual_seed(R.TUNE_SEED)
    prepare_valid = _objective(name, vocab, fixed)[0]
    valid_batches = [prepare_valid(b).to(run_device) for b in valid]
    history = fit(model, batches, steps=steps, lr=lr, clip=R.CLIP, loss_fn=loss_fn,
                  eval_batches=lambda: valid_batches, eval_every=spec["eval_every"],
                  progress=False)  # fmt: skip
    curve = {
        "steps": history.eval_steps,
        "valid_loss": [v if math.isfinite(v) else None for v in history.eval_loss],
        "seconds": sum(history.seconds),
    }
    return model.eval(), curve


def labelled_sets(task: PackageTask, s: dict, n: int, seed: int) -> tuple:
    """``(labelled, valid, test)`` snippets: ``n`` labelled ones drawn with ``seed``,
    and the fixed validation and test sets of ``pretrain_rules.SPLIT_SEEDS``."""
    length = s["finetune"]["snippet"]
    return (
        task.snippets("train", n, length, seed),
        task.snippets("valid", s["valid_snippets"], length, P.SPLIT_SEEDS["valid"]),
        task.snippets("test", s["test_snippets"], length, P.SPLIT_SEEDS["test"]),
    )


def finetune_one(body, task: PackageTask, s: dict, n: int, seed: int, lr: float) -> dict:
    """Fine-tune ``body`` (pretrained or fresh) with a classifier head seeded with
    ``seed`` on ``n`` labelled snippets: ``{"test_accuracy", "valid_accuracy",
    "valid_loss", "best_step", "curve"}``."""
    labelled, valid, test = labelled_sets(task, s, n, seed)
    torch.manual_seed(seed)
    model = Classifier(body, task.n_classes)
    f = s["finetune"]
    model, info = fine_tune(model, labelled, valid, steps=f["steps"], lr=lr, batch=f["batch"],
                            eval_every=f["eval_every"], seed=seed, clip=R.CLIP)  # fmt: skip
    return {"test_accuracy": evaluate(model, [test])[1], **info}


def checkpoint_folder(out: str | Path, quick: bool = False) -> Path:
    """Where the suite writes (and chapter 13 reads) the pretrained checkpoints."""
    return Path(out) / ("checkpoints-quick" if quick else "checkpoints")


def _save(model, path: Path) -> str:
    """Save ``model``'s weights as float16 (atomically); return the file's SHA-256."""
    state = {k: v.detach().cpu().half() for k, v in model.state_dict().items()}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def load_pretrained(result: dict, name: str, seed: int, folder: str | Path) -> torch.nn.Module:
    """Family ``name``'s model pretrained with ``seed``, as recorded in the ``pretrain``
    results file ``result``: built from its pair and loaded from ``folder`` with
    ``torch.load(weights_only=True)`` after checking the file's SHA-256 against the
    record (a missing, corrupt or other file raises ``ValueError`` naming it)."""
    row = next((r for r in result["rows"] if r["kind"] == "pretrain" and r["model"] == name
                and r["seed"] == seed), None)  # fmt: skip
    if row is None:
        raise ValueError(f"the results file has no pretrained {name} of seed {seed}")
    path = Path(folder) / row["checkpoint"]
    if not path.is_file():
        raise ValueError(f"pretrained checkpoint {path} is missing; rerun the pretrain suite")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise ValueError(
            f"pretrained checkpoint {path} is not the file its results record (SHA-256 "
            "differs): it is corrupt or from another run; reinstall seqlab or rerun "
            "`python -m seqlab.bench --suite pretrain`"
        )
    state = torch.load(io.BytesIO(data), weights_only=True)
    model = pretrain_pair(len(code_vocab()), result["config"]["pretrain"]["window"])[name]()
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model.eval()


def starting_body(result: dict, name: str, start: str, seed: int, folder: str | Path):
    """What a fine-tuning run of family ``name`` starts from: its model pretrained with
    ``seed`` (``start="pretrained"``, see :func:`load_pretrained`), or the same model
    freshly initialised with ``seed`` (``start="scratch"``)."""
    if start not in STARTS:
        raise ValueError(f"start must be one of {STARTS}, got {start!r}")
    if start == "scratch":
        window = result["config"]["pretrain"]["window"]
        return seeded(pretrain_pair(len(code_vocab()), window)[name], seed, "cpu")
    return load_pretrained(result, name, seed, folder)


def _pretrain_all(s: dict, task: PackageTask, folder: Path, run_device, quick: bool):
    """Each family's learning-rate search, then its pretraining run for every seed, each
    saved as a checkpoint in ``folder``. Returns ``(searches, rows)``."""
    ids = task.pretrain_ids()
    cut = len(ids) - s["valid_chars"]
    train_ids, valid_ids = ids[:cut], ids[cut - 1 :]
    vocab, spec = len(code_vocab()), s["pretrain"]
    valid = list(text_batches(valid_ids, 64, spec["window"], vocab_size=vocab, shuffle=False))
    pair = pretrain_pair(vocab, spec["window"])

    def score(name, lr):
        curve = _pretrain(pair[name], name, train_ids, valid, spec, lr, R.TUNE_SEED,
                          spec["search_steps"], run_device)[1]  # fmt: skip
        last = curve["valid_loss"][-1]
        print(f"search {name} lr {lr:.2g}: valid loss {last}", flush=True)
        return {"loss": last if last is not None else math.inf, "metric": None}

    searches = search_each(score, FAMILIES, quick=quick)
    rows = []
    for seed in s["seeds"]:
        for name in FAMILIES:
            lr = searches[name]["best"]
            model, curve = _pretrain(pair[name], name, train_ids, valid, spec, lr, seed,
                                     spec["steps"], run_device)  # fmt: skip
            file = f"{name}-seed{seed}.pt"
            digest = _save(model, folder / file)
            rows.append({"kind": "pretrain", "model": name, "seed": seed, **curve,
                         "checkpoint": file, "sha256": digest})  # fmt: skip
            print(f"pretrain {name} seed {seed}: valid loss {curve['valid_loss'][-1]}", flush=True)
    return searches, rows


def _finetune_all(s: dict, task: PackageTask, result: dict, folder: Path, quick: bool):
    """Each family and start's fine-tuning rate search (at the largest labelled size),
    then every labelled size, family, start and seed. Returns ``(searches, rows)``."""
    largest, first = max(s["labelled_sizes"]), s["seeds"][0]
    searches, rows = {}, []
    for name in FAMILIES:
        for start in STARTS:

            def score(lr, name=name, start=start):
                body = starting_body(result, name, start, first, folder)
                info = finetune_one(body, task, s, largest, R.TUNE_SEED, lr)
                return {"loss": info["valid_loss"], "metric": info["valid_accuracy"]}

            searches[f"{name}/{start}"] = search_lr(score, quick=quick)
    for n in s["labelled_sizes"]:
        for name in FAMILIES:
            for start in STARTS:
                lr = searches[f"{name}/{start}"]["best"]
                runs = [finetune_one(starting_body(result, name, start, seed, folder), task,
                                     s, n, seed, lr) for seed in s["seeds"]]  # fmt: skip
                rows.append({
                    "kind": "finetune", "model": name, "start": start, "n_labelled": n,
                    "lr": lr, "test_accuracy": spread(r["test_accuracy"] for r in runs),
                    "valid_accuracy": [r["valid_accuracy"] for r in runs],
                    "best_step": [r["best_step"] for r in runs],
                    "curve": [r["curve"] for r in runs],
                })  # fmt: skip
                mean = rows[-1]["test_accuracy"]["mean"]
                print(f"finetune {name} {start} n={n}: test accuracy {mean:.3f}", flush=True)
    return searches, rows


def pretrain_suite(run_device, quick: bool = False, out: str | Path = "results") -> dict:
    """Pretrain both families (each seed), fine-tune pretrained and fresh models at each
    labelled size, and record everything (see :mod:`~seqlab.bench.pretrain_rules`)."""
    s = settings(quick)
    task = package_task()
    folder = checkpoint_folder(out, quick)
    searches, rows = _pretrain_all(s, task, folder, run_device, quick)
    config = {"pretrain": s["pretrain"]}
    ft_searches, ft_rows = _finetune_all(s, task, {"rows": rows, "config": config}, folder, quick)
    where = stamp(torch.device(run_device), s["seeds"])
    where.update(pretrain_rules_sha256=pretrain_rules_sha256(), task_sha256=task.sha256)
    pair = pretrain_pair(len(code_vocab()), s["pretrain"]["window"])
    return {
        "suite": "pretrain",
        "stamp": where,
        "config": {
            "quick": quick,
            **{k: v for k, v in s.items() if k != "seeds"},
            "pair": dict(P.PAIR),
            "vocab": len(code_vocab()),
            "chance": CHANCE,
            "checkpoint_bytes": sum((folder / r["checkpoint"]).stat().st_size for r in rows),
        },
        "task": task.summary(),
        "params": {name: count_parameters(make()) for name, make in pair.items()},
        "search": {"pretrain": searches, "finetune": ft_searches},
        "rows": rows + ft_rows,
    }
