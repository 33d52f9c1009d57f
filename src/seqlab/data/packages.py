"""A small labelled task built offline from the code corpus: which package is a snippet
from?

Pretraining needs unlabelled text and a labelled task to fine-tune on. Both come from the
Python standard library's source (:mod:`seqlab.data.code`), with no download:

* **The labelled task.** A snippet of source code (a window of characters) is labelled
  with the package it comes from, among :data:`PACKAGES` (asynchronous I/O, e-mail
  handling, the Tk GUI toolkit, XML processing): four classes, chance 1/4. Telling them
  apart needs what the code is *about* (names such as ``loop``, ``header``, ``widget``,
  ``element``), the kind of knowledge pretraining is meant to bring.
* **The splits.** Every file of these packages is cut into three stretches: its first
  60 % of characters feed the labelled training snippets, the next 15 % validation and
  the last 25 % test. Snippets of different splits never overlap.
* **The pretraining text** is every training-split file of :func:`~seqlab.data.code.
  code_corpus` *outside* these packages: pretraining never reads a line of the code the
  labelled task asks about, so a gain from pretraining is not memorised test text.

Taught in chapter 13.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import torch

from seqlab import _checks
from seqlab.data.batch import TaskBatch
from seqlab.data.code import code_files, code_vocab, split_of

__all__ = ["PACKAGES", "STRETCHES", "PackageTask", "package_task"]

PACKAGES = ("asyncio", "email", "tkinter", "xml")
# each file's share of characters for each labelled split, in this order along the file
STRETCHES = {"train": 0.60, "valid": 0.15, "test": 0.25}


@dataclass(frozen=True)
class PackageTask:
    """The labelled task and the pretraining text (see the module's docstring).

    Attributes:
        packages: the class names, in label order.
        pools: ``{split: [text of class 0, text of class 1, ...]}``: each class's
            stretches of its files for that split, joined by newlines.
        pretrain_text: the training-split source outside :data:`PACKAGES`.
        sha256: the SHA-256 of all the above: the fingerprint a results stamp records.
    """

    packages: tuple[str, ...]
    pools: dict[str, list[str]]
    pretrain_text: str
    sha256: str

    @property
    def n_classes(self) -> int:
        return len(self.packages)

    def snippets(self, split: str, n: int, length: int, seed: int) -> TaskBatch:
        """``n`` labelled snippets of ``length`` characters from ``split``: ``n //
        n_classes`` of each class (``n`` must be a multiple of it), each starting at a
        random position of its class's pool, drawn with ``seed``, in shuffled order.

        Returns:
            :class:`TaskBatch` with ``x`` ``(n, length)`` character ids of
            :func:`~seqlab.data.code.code_vocab`, ``y`` ``(n, 1)`` the package ids,
            ``mask`` ``(n, 1)`` all True (one label per snippet, the shape
            :func:`seqlab.train.sequence_loss` scores).
        """
        split = _checks.choice("split", split, tuple(self.pools))
        n = _checks.integer("n", n)
        length = _checks.integer("length", length)
        _checks.divides("n_classes", self.n_classes, "n", n)
        generator = torch.Generator().manual_seed(_checks.integer("seed", seed, minimum=0))
        xs, ys = [], []
        for label, text in enumerate(self.pools[split]):
            ids = _ids(text)  # (chars,)
            if len(ids) < length:
                raise ValueError(f"{self.packages[label]}'s {split} text is shorter than {length}")
            starts = torch.randint(0, len(ids) - length + 1, (n // self.n_classes,),
                                   generator=generator)  # fmt: skip
            xs.append(ids[starts[:, None] + torch.arange(length)])  # (n / C, length)
            ys.append(torch.full((len(starts),), label))
        order = torch.randperm(n, generator=generator)
        x, y = torch.cat(xs)[order], torch.cat(ys)[order][:, None]  # (n, length), (n, 1)
        return TaskBatch(x, y, torch.ones_like(y, dtype=torch.bool), len(code_vocab()),
                         self.n_classes)  # fmt: skip

    def pretrain_ids(self) -> torch.Tensor:
        """The pretraining text encoded with :func:`~seqlab.data.code.code_vocab`."""
        return _ids(self.pretrain_text)

    def summary(self) -> dict:
        """Sizes in characters and the fingerprint, for a results stamp."""
        return {
            "packages": list(self.packages),
            "chars": {s: [len(t) for t in texts] for s, texts in self.pools.items()},
            "pretrain_chars": len(self.pretrain_text),
            "task_sha256": self.sha256,
        }


@functools.lru_cache(maxsize=2)
def package_task(packages: tuple[str, ...] = PACKAGES) -> PackageTask:
    """The task of ``packages`` (top-level folders of the standard library), built from
    this Python's standard library (once per process)."""
    packages = tuple(packages)
    if len(packages) < 2 or len(set(packages)) != len(packages):
        raise ValueError(f"packages must be two or more distinct names, got {packages}")
    files = code_files()
    pools = {split: [[] for _ in packages] for split in STRETCHES}
    rest = []
    for relative, text in files.items():
        top = relative.split("/", 1)[0]
        if top in packages:
            for split, part in _stretches(text).items():
                pools[split][packages.index(top)].append(part)
        elif split_of(relative) == "train":
            rest.append(text)
    joined = {s: ["\n".join(parts) for parts in per] for s, per in pools.items()}
    empty = [p for p, texts in zip(packages, joined["test"], strict=True) if not texts]
    if empty:
        raise ValueError(f"no source found for packages {empty} in this standard library")
    pretrain_text = "\n".join(rest)
    digest = hashlib.sha256()
    for text in [t for s in STRETCHES for t in joined[s]] + [pretrain_text]:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return PackageTask(packages, joined, pretrain_text, digest.hexdigest())


def _stretches(text: str) -> dict[str, str]:
    """``text`` cut into consecutive stretches of :data:`STRETCHES`'s shares."""
    out, start = {}, 0
    for k, (split, share) in enumerate(STRETCHES.items()):
        end = len(text) if k == len(STRETCHES) - 1 else start + round(share * len(text))
        out[split] = text[start:end]
        start = end
    return out


@functools.lru_cache(maxsize=16)
def _ids(text: str) -> torch.Tensor:
    return code_vocab().encode(text)
