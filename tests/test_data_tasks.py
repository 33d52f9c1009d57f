"""The synthetic tasks: right answers by construction, reproducible, clear errors."""

import pytest
import torch

from seqlab.data import (
    adding_problem,
    associative_recall,
    copy_memory,
    masked_accuracy,
    reverse_task,
    sort_task,
    task_stream,
)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_copy_memory_layout_and_answer():
    b = copy_memory(5, n_symbols=4, length=3, lag=7, generator=gen())
    assert b.x.shape == b.y.shape == b.mask.shape == (5, 2 * 3 + 7)
    assert (b.x[:, 3 + 7 - 1] == 5).all()  # the go marker
    torch.testing.assert_close(b.y[b.mask].view(5, 3), b.x[:, :3])
    assert (b.y[~b.mask] == 0).all() and b.mask.sum() == 15
    assert b.vocab_size == b.n_classes == 6 and b.x[:, :3].min() >= 1


def test_same_seed_same_batch_other_seed_other_batch():
    for task in (copy_memory, reverse_task, sort_task, associative_recall, adding_problem):
        a, b, c = task(8, generator=gen(1)), task(8, generator=gen(1)), task(8, generator=gen(2))
        torch.testing.assert_close(a.x, b.x)
        assert not torch.equal(a.x, c.x)


def test_reverse_and_sort_answers():
    r = reverse_task(6, n_symbols=5, length=4, generator=gen())
    torch.testing.assert_close(r.y[r.mask].view(6, 4), r.x[:, :4].flip(1))
    s = sort_task(6, n_symbols=5, length=4, generator=gen())
    answer = s.y[s.mask].view(6, 4)
    assert (answer[:, 1:] >= answer[:, :-1]).all()
    torch.testing.assert_close(answer, s.x[:, :4].sort(dim=1).values)


def test_adding_problem_marks_one_value_in_each_half():
    b = adding_problem(32, length=20, generator=gen())
    assert b.x.shape == (32, 20, 2) and b.y.shape == (32,)
    marks = b.x[..., 1]
    assert (marks.sum(1) == 2).all()
    assert (marks[:, :10].sum(1) == 1).all() and (marks[:, 10:].sum(1) == 1).all()
    torch.testing.assert_close(b.y, (b.x[..., 0] * marks).sum(1))


def test_associative_recall_answer_is_the_paired_value():
    b = associative_recall(50, n_keys=6, n_values=5, n_pairs=4, generator=gen())
    assert b.x.shape == (50, 10) and b.mask[:, -1].all() and b.mask.sum() == 50
    for row, target in zip(b.x, b.y[:, -1], strict=True):
        keys, values = row[0:8:2], row[1:8:2]
        assert len(set(keys.tolist())) == 4  # distinct keys
        assert row[-2] == 6 + 5 + 1
        assert target == values[(keys == row[-1]).nonzero().item()]


def test_masked_accuracy():
    b = copy_memory(4, n_symbols=3, length=2, lag=3, generator=gen())
    perfect = torch.nn.functional.one_hot(b.y, b.n_classes).float()
    assert masked_accuracy(perfect, b) == 1.0
    wrong = torch.nn.functional.one_hot((b.y + 1) % b.n_classes, b.n_classes).float()
    assert masked_accuracy(wrong, b) == 0.0
    with pytest.raises(ValueError, match=r"logits must have shape \(B, L, C\)"):
        masked_accuracy(perfect[:, :-1], b)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: copy_memory(4, lag=0), "lag must be an int >= 1, got 0"),
        (lambda: copy_memory(0), "batch_size"),
        (lambda: copy_memory(4, n_symbols=1), "n_symbols must be an int >= 2"),
        (lambda: reverse_task(4, length=2.5), "length"),
        (lambda: adding_problem(4, length=1), "length must be an int >= 2"),
        (lambda: associative_recall(4, n_keys=3, n_pairs=4), "n_pairs must be <= n_keys"),
        (lambda: next(task_stream("copy", 4)), "unknown task 'copy'"),
        (lambda: next(task_stream("copy_memory", 4, lag=-1)), "lag"),
    ],
)
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_task_stream_yields_fresh_batches():
    stream = task_stream("reverse", 3, generator=gen(), n_symbols=4, length=2)
    a, b = next(stream), next(stream)
    assert a.x.shape == (3, 5) and not torch.equal(a.x, b.x)
