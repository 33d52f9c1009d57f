"""A large offline corpus with long-range structure: the Python standard library's own
source code.

Every Python install that can run this book carries its standard library as ``.py``
files (CPython, under the PSF License): on Python 3.11 about 12 million characters of
code and docstrings, with no download. Code has dependencies far apart: a name defined
at the top of a file is used hundreds of characters later, a bracket opened on one line
is closed on another, indentation follows the enclosing block. That is what chapter 10
needs to ask whether a model keeps using context hundreds of characters back.

The corpus is every ``.py`` file under the standard library's folder, test folders and
installed packages left out, read as UTF-8 in sorted path order. Each file goes whole to
one split, chosen from a hash of its path (:func:`split_of`), so the splits never share
a file and stay the same on every Python version that has the file. The text differs
between Python versions: every result made from it records :attr:`CodeCorpus.sha256`,
so results of different corpora are never mixed silently.

The vocabulary is fixed: the 95 printable ASCII characters, tab and newline, and an
explicit ``<unk>`` id for anything else (about 800 characters of 12 million: curly
quotes and dashes in docstrings, a few letters of other alphabets).

Taught in chapter 10.
"""

from __future__ import annotations

import functools
import hashlib
import os
import string
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import torch

from seqlab.data.text import CharVocab

__all__ = [
    "CODE_CHARS",
    "CODE_SOURCE",
    "SPLIT_SHARES",
    "CodeCorpus",
    "code_corpus",
    "code_files",
    "code_vocab",
    "split_of",
]

CODE_SOURCE = (
    "the .py source files of the Python standard library, as installed with CPython "
    "(test folders left out), PSF License"
)
# printable ASCII without the rare vertical tab, form feed and carriage return, plus tab
# and newline: 97 characters, then <unk>
CODE_CHARS = "\t\n" + "".join(c for c in string.printable if c not in "\t\n\r\x0b\x0c")
# per 100 files, by the hash of its path: 3 to validation, 3 to test, 94 to training
SPLIT_SHARES = {"valid": 3, "test": 3}
LEFT_OUT = {"site-packages", "dist-packages", "test", "tests", "idle_test", "__pycache__"}
MIN_CHARS = 1_000_000  # fewer: the source is missing (an install that ships .pyc only)


@dataclass(frozen=True)
class CodeCorpus:
    """The standard library's source, split by file.

    Attributes:
        root: the folder it was read from.
        splits: ``{"train", "valid", "test"}``: each split's text, its files joined by a
            newline in sorted path order.
        files: ``{"train", "valid", "test"}``: each split's number of files.
        sha256: the SHA-256 of the three texts (UTF-8, in that order, NUL-separated):
            the corpus fingerprint every results stamp records.
        skipped: relative paths of files that are not valid UTF-8 (left out).
        python: the Python version whose standard library it is.
    """

    root: str
    splits: dict[str, str]
    files: dict[str, int]
    sha256: str
    skipped: tuple[str, ...] = ()
    python: str = field(default_factory=lambda: sysconfig.get_python_version())

    def __len__(self) -> int:
        return sum(len(text) for text in self.splits.values())

    def ids(self, split: str) -> torch.Tensor:
        """Split ``split`` encoded with :func:`code_vocab`: a ``(chars,)`` int64 tensor."""
        if split not in self.splits:
            raise ValueError(f"split must be one of {sorted(self.splits)}, got {split!r}")
        return _encoded(self.sha256, split, self.splits[split])

    def unknown(self) -> int:
        """How many characters of the whole corpus encode as ``<unk>``."""
        unk = len(code_vocab()) - 1
        return sum(int((self.ids(s) == unk).sum()) for s in self.splits)

    def summary(self) -> dict:
        """Its size in characters and files per split, the vocabulary, the unknown
        characters and the fingerprint: what a results stamp and the chapter report."""
        return {
            "source": CODE_SOURCE,
            "python": self.python,
            "chars": {s: len(t) for s, t in self.splits.items()},
            "files": dict(self.files),
            "vocab": len(code_vocab()),
            "unknown_chars": self.unknown(),
            "skipped_files": len(self.skipped),
            "corpus_sha256": self.sha256,
        }


def split_of(relative_path: str) -> str:
    """The split a file goes to: ``"valid"``, ``"test"`` or ``"train"``, from the first
    eight hex digits of the SHA-256 of its path relative to the standard library's folder
    (``/``-separated), modulo 100, against :data:`SPLIT_SHARES`."""
    bucket = int(hashlib.sha256(relative_path.encode()).hexdigest()[:8], 16) % 100
    if bucket < SPLIT_SHARES["valid"]:
        return "valid"
    if bucket < SPLIT_SHARES["valid"] + SPLIT_SHARES["test"]:
        return "test"
    return "train"


def code_vocab() -> CharVocab:
    """The corpus's fixed vocabulary: :data:`CODE_CHARS`, then ``<unk>`` (98 ids)."""
    return CharVocab(CODE_CHARS, unknown="unk")


@functools.lru_cache(maxsize=2)
def code_corpus(root: str | os.PathLike | None = None) -> CodeCorpus:
    """Read the corpus (once per process and ``root``).

    Args:
        root: the folder to read; default this Python's standard library
            (``sysconfig.get_paths()["stdlib"]``).

    Raises:
        FileNotFoundError: ``root`` is not a folder, or holds under a million characters
            of ``.py`` source (a Python installed without its library's source).
    """
    root = _stdlib_root(root)
    files, skipped = _read_files(root)
    texts: dict[str, list[str]] = {"train": [], "valid": [], "test": []}
    for relative, text in files.items():
        texts[split_of(relative)].append(text)
    splits = {name: "\n".join(parts) for name, parts in texts.items()}
    total = sum(len(t) for t in splits.values())
    if total < MIN_CHARS or not all(splits.values()):
        raise FileNotFoundError(
            f"found {total:,} characters of .py source under {root}, expected at least "
            f"{MIN_CHARS:,} in three non-empty splits: this Python seems installed without "
            "its standard library's source; use a full CPython install"
        )
    digest = hashlib.sha256()
    for name in ("train", "valid", "test"):
        digest.update(splits[name].encode("utf-8", "surrogatepass") + b"\0")
    return CodeCorpus(
        root=str(root),
        splits=splits,
        files={name: len(parts) for name, parts in texts.items()},
        sha256=digest.hexdigest(),
        skipped=tuple(skipped),
    )


def code_files(root: str | os.PathLike | None = None) -> dict[str, str]:
    """Every file of the corpus, whatever its split: ``{relative path: text}`` in sorted
    path order (``/``-separated paths; files that are not UTF-8 left out), read once per
    process and ``root`` (default this Python's standard library)."""
    return dict(_read_files(_stdlib_root(root))[0])


def _stdlib_root(root: str | os.PathLike | None) -> Path:
    root = Path(root if root is not None else sysconfig.get_paths()["stdlib"])
    if not root.is_dir():
        raise FileNotFoundError(f"no standard-library folder at {root}")
    return root


@functools.lru_cache(maxsize=2)
def _read_files(root: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """``({relative path: text}, skipped paths)`` of the ``.py`` files under ``root``."""
    files, skipped = {}, []
    for relative in _source_files(root):
        try:
            files[relative] = (root / relative).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            skipped.append(relative)
    return files, tuple(skipped)


def _source_files(root: Path) -> list[str]:
    """The ``.py`` files under ``root`` as sorted ``/``-separated relative paths, folders
    of :data:`LEFT_OUT` not entered."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in LEFT_OUT)
        base = Path(folder).relative_to(root)
        found += [(base / n).as_posix() for n in names if n.endswith(".py")]
    return sorted(found)


@functools.lru_cache(maxsize=3)
def _encoded(sha256: str, split: str, text: str) -> torch.Tensor:
    del sha256, split  # part of the cache key only
    return code_vocab().encode(text)
