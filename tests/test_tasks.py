"""The synthetic tasks: right answers by construction, reproducible, every argument checked."""

import pytest
import torch

from seqlab.data.batch import TaskBatch
from seqlab.data.tasks import (
    TASKS,
    adding_problem,
    associative_recall,
    copy_memory,
    masked_accuracy,
    mirror_task,
    previous_token,
    reverse_task,
    sort_task,
    task_stream,
)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_tasks_registry_names_the_seven_tasks():
    assert TASKS == {
        "copy_memory": copy_memory,
        "adding": adding_problem,
        "reverse": reverse_task,
        "sort": sort_task,
        "associative_recall": associative_recall,
        "previous_token": previous_token,
        "mirror": mirror_task,
    }


@pytest.mark.parametrize(
    ("task", "kwargs", "length", "vocab"),
    [
        (copy_memory, {"n_symbols": 5, "length": 4, "lag": 6}, 2 * 4 + 6, 7),
        (reverse_task, {"n_symbols": 5, "length": 4}, 2 * 4 + 1, 7),
        (sort_task, {"n_symbols": 5, "length": 4}, 2 * 4 + 1, 7),
        (associative_recall, {"n_keys": 6, "n_values": 5, "n_pairs": 3}, 2 * 3 + 2, 13),
    ],
)
def test_token_tasks_shapes_dtypes_and_id_ranges(task, kwargs, length, vocab):
    b = task(7, generator=gen(), **kwargs)
    assert isinstance(b, TaskBatch)
    assert b.x.shape == b.y.shape == b.mask.shape == (7, length)
    assert b.x.dtype == b.y.dtype == torch.int64 and b.mask.dtype == torch.bool
    assert b.vocab_size == b.n_classes == vocab
    assert 0 <= b.x.min() and b.x.max() < vocab
    assert 0 <= b.y.min() and b.y.max() < vocab
    assert (b.y[~b.mask] == 0).all()  # blank wherever nothing is scored


def test_different_seeds_give_different_targets_too():
    for task in (copy_memory, reverse_task, sort_task, associative_recall, adding_problem):
        a, b = task(16, generator=gen(3)), task(16, generator=gen(3))
        c = task(16, generator=gen(4))
        assert torch.equal(a.y, b.y) and torch.equal(a.mask, b.mask)
        assert not torch.equal(a.y, c.y)


def test_copy_memory_input_is_symbols_blanks_marker_blanks():
    n_symbols, length, lag = 4, 3, 5
    b = copy_memory(64, n_symbols=n_symbols, length=length, lag=lag, generator=gen())
    symbols = b.x[:, :length]
    assert symbols.min() >= 1 and symbols.max() <= n_symbols
    assert (b.x[:, length : length + lag - 1] == 0).all()  # lag - 1 blanks
    assert (b.x[:, length + lag - 1] == n_symbols + 1).all()  # the go marker
    assert (b.x[:, length + lag :] == 0).all()  # length blanks while answering
    assert b.mask[:, -length:].all() and not b.mask[:, :-length].any()
    assert torch.equal(b.y[:, -length:], symbols)


def test_copy_memory_with_lag_one_puts_the_marker_right_after_the_symbols():
    b = copy_memory(2, n_symbols=3, length=2, lag=1, generator=gen())
    assert b.x.shape == (2, 5) and (b.x[:, 2] == 4).all()


def test_reverse_and_sort_put_the_separator_after_the_symbols():
    for task in (reverse_task, sort_task):
        b = task(10, n_symbols=6, length=5, generator=gen())
        assert (b.x[:, 5] == 7).all() and (b.x[:, 6:] == 0).all()
        assert b.x[:, :5].min() >= 1 and b.x[:, :5].max() <= 6
        assert b.mask.sum() == 10 * 5 and b.mask[:, -5:].all()


def test_reverse_answer_is_the_flipped_input():
    b = reverse_task(9, n_symbols=7, length=6, generator=gen(5))
    assert torch.equal(b.y[:, -6:], b.x[:, :6].flip(1))


def test_sort_answer_is_a_sorted_permutation_of_the_input():
    b = sort_task(9, n_symbols=7, length=6, generator=gen(5))
    answer, symbols = b.y[:, -6:], b.x[:, :6]
    assert (answer[:, 1:] >= answer[:, :-1]).all()
    for a, s in zip(answer, symbols, strict=True):
        assert torch.equal(torch.bincount(a, minlength=9), torch.bincount(s, minlength=9))


def test_adding_problem_dtypes_values_and_constant_baseline():
    b = adding_problem(4096, length=9, generator=gen())
    assert b.x.shape == (4096, 9, 2) and b.x.dtype == torch.float32
    assert b.y.shape == (4096,) and b.y.dtype == torch.float32
    assert b.mask.shape == (4096,) and b.mask.dtype == torch.bool and b.mask.all()
    assert b.vocab_size == b.n_classes == 0
    values, marks = b.x[..., 0], b.x[..., 1]
    assert values.min() >= 0 and values.max() < 1
    assert set(marks.unique().tolist()) == {0.0, 1.0}
    half = 9 // 2
    assert (marks[:, :half].sum(1) == 1).all() and (marks[:, half:].sum(1) == 1).all()
    # The sum of the marked values, taken from the marker positions themselves.
    first, second = marks[:, :half].argmax(1), half + marks[:, half:].argmax(1)
    rows = torch.arange(4096)
    torch.testing.assert_close(b.y, values[rows, first] + values[rows, second])
    # Predicting the constant 1.0 scores MSE ~ 1/6 (the documented chance level).
    assert abs(((b.y - 1.0) ** 2).mean().item() - 1 / 6) < 0.02


def test_associative_recall_pairs_query_and_answer():
    n_keys, n_values, n_pairs = 5, 4, 5  # n_pairs == n_keys is allowed: every key appears
    b = associative_recall(200, n_keys=n_keys, n_values=n_values, n_pairs=n_pairs, generator=gen())
    keys, values = b.x[:, 0 : 2 * n_pairs : 2], b.x[:, 1 : 2 * n_pairs : 2]
    assert keys.min() >= 1 and keys.max() <= n_keys
    assert values.min() >= n_keys + 1 and values.max() <= n_keys + n_values
    assert (keys.sort(1).values == torch.arange(1, n_keys + 1)).all()  # distinct, all keys
    assert (b.x[:, -2] == n_keys + n_values + 1).all()
    query = b.x[:, -1]
    hit = keys == query[:, None]  # (B, n_pairs)
    assert (hit.sum(1) == 1).all()  # the query is one of the keys shown
    assert torch.equal(b.y[:, -1], values[hit])
    assert b.mask[:, -1].all() and b.mask.sum() == 200


def test_masked_accuracy_of_random_logits_is_near_chance():
    b = copy_memory(512, n_symbols=8, length=10, lag=5, generator=gen())
    logits = torch.randn(*b.y.shape, b.n_classes, generator=gen(1))
    # Uniform argmax over all n_classes = 10 ids: 5120 scored positions, chance 0.1.
    assert abs(masked_accuracy(logits, b) - 1 / b.n_classes) < 0.03
    one_hot = torch.nn.functional.one_hot(b.y, b.n_classes).float()
    assert masked_accuracy(one_hot, b) == 1.0
    assert isinstance(masked_accuracy(one_hot, b), float)
    # Only masked positions count: corrupting the unscored ones changes nothing.
    corrupted = one_hot.clone()
    corrupted[~b.mask] = torch.nn.functional.one_hot(torch.tensor(1), b.n_classes).float()
    assert masked_accuracy(corrupted, b) == 1.0


def test_masked_accuracy_rejects_wrong_shapes():
    b = reverse_task(3, n_symbols=4, length=2, generator=gen())
    with pytest.raises(ValueError, match="logits"):
        masked_accuracy(torch.zeros(3, 5), b)  # missing the class axis
    with pytest.raises(ValueError, match="logits"):
        masked_accuracy(torch.zeros(2, 5, b.n_classes), b)  # wrong batch size
    a = adding_problem(3, length=4, generator=gen())
    with pytest.raises(ValueError, match="logits"):
        masked_accuracy(torch.zeros(3, 4, 2), a)  # regression targets have no classes


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: copy_memory(-1), "batch_size"),
        (lambda: copy_memory(2, n_symbols=0), "n_symbols"),
        (lambda: copy_memory(2, length=0), "length"),
        (lambda: copy_memory(2, lag=1.0), "lag"),
        (lambda: copy_memory(2, lag=True), "lag"),
        (lambda: adding_problem(0), "batch_size"),
        (lambda: adding_problem(2, length="50"), "length"),
        (lambda: reverse_task(2, n_symbols=1), "n_symbols"),
        (lambda: reverse_task(2, length=0), "length"),
        (lambda: sort_task(2.0), "batch_size"),
        (lambda: sort_task(2, n_symbols=1), "n_symbols"),
        (lambda: sort_task(2, length=-3), "length"),
        (lambda: associative_recall(0), "batch_size"),
        (lambda: associative_recall(2, n_keys=0), "n_keys"),
        (lambda: associative_recall(2, n_values=0), "n_values"),
        (lambda: associative_recall(2, n_pairs=0), "n_pairs"),
        (lambda: associative_recall(2, n_keys=4, n_pairs=5), "n_pairs must be <= n_keys"),
    ],
)
def test_every_bad_argument_is_named_with_what_was_received(call, name):
    with pytest.raises((ValueError, TypeError), match=name) as info:
        call()
    assert "got" in str(info.value)


def test_chance_levels_in_docstrings():
    assert "1 / n_symbols" in copy_memory.__doc__
    assert "1/6" in adding_problem.__doc__
    assert (
        "1 / n_values" in associative_recall.__doc__ and "1 / n_pairs" in associative_recall.__doc__
    )


def test_same_seed_same_inputs():
    for task in (copy_memory, reverse_task, sort_task, associative_recall, adding_problem):
        torch.testing.assert_close(task(8, generator=gen(1)).x, task(8, generator=gen(1)).x)


def test_task_stream_yields_fresh_batches_and_checks_its_options():
    stream = task_stream("reverse", 3, generator=gen(), n_symbols=4, length=2)
    a, b = next(stream), next(stream)
    assert a.x.shape == (3, 5) and not torch.equal(a.x, b.x)
    with pytest.raises(ValueError, match="unknown task 'copy'"):
        next(task_stream("copy", 4))
    with pytest.raises(ValueError, match="lag"):
        next(task_stream("copy_memory", 4, lag=-1))


def test_previous_token_labels_each_symbol_with_the_one_before():
    b = previous_token(5, n_symbols=4, length=9, generator=gen())
    assert b.x.shape == b.y.shape == b.mask.shape == (5, 9)
    assert torch.equal(b.y[:, 1:], b.x[:, :-1]) and not b.mask[:, 0].any() and b.mask[:, 1:].all()
    assert b.x.min() >= 1 and b.x.max() <= 4 and b.n_classes == 5
    with pytest.raises(ValueError, match="length must be an int >= 2"):
        previous_token(2, length=1)


def test_mirror_task_labels_each_symbol_with_its_mirror_image():
    b = mirror_task(3, n_symbols=6, length=7, generator=gen())
    assert torch.equal(b.y, b.x.flip(1)) and b.mask.all()
    assert torch.equal(b.y[:, 3], b.x[:, 3])  # the middle of an odd length is itself
    with pytest.raises(ValueError, match="n_symbols must be an int >= 2"):
        mirror_task(2, n_symbols=1)
