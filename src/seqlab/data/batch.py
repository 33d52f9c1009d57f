"""The one batch type every task, loader and training loop in the book shares."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class TaskBatch:
    """A batch of a sequence task.

    Attributes:
        x: inputs, ``(B, L)`` int64 token ids (or ``(B, L, F)`` float features).
        y: targets, ``(B, L)`` int64 class ids (or ``(B,)`` float for regression).
        mask: ``(B, L)`` bool, True where the loss and the metric are scored
            (``(B,)`` for one target per sequence).
        vocab_size: number of input token ids (0 for float inputs).
        n_classes: number of output classes (0 for regression).
    """

    x: torch.Tensor
    y: torch.Tensor
    mask: torch.Tensor
    vocab_size: int
    n_classes: int

    def to(self, device) -> TaskBatch:
        """The same batch with its tensors on ``device`` (a GPU run's batches)."""
        return TaskBatch(
            self.x.to(device), self.y.to(device), self.mask.to(device), self.vocab_size,
            self.n_classes,
        )  # fmt: skip
