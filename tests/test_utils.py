"""seqlab.utils: seeding reproduces numbers, bad arguments are named."""

import random

import numpy as np
import pytest
import torch

import seqlab
from seqlab.utils import (
    count_parameters,
    device,
    environment_report,
    seed_everything,
    set_threads,
)


def draw():
    return random.random(), float(np.random.rand())  # noqa: NPY002, torch.randn(3).tolist()


def test_same_seed_same_numbers_other_seed_other_numbers():
    seed_everything(7)
    first = draw()
    seed_everything(7)
    assert draw() == first
    seed_everything(8)
    assert draw() != first


@pytest.mark.parametrize(
    ("seed", "error", "match"),
    [
        (-1, ValueError, "seed must be an int >= 0"),
        (2**32, ValueError, "2\\*\\*32"),
        (1.5, TypeError, "seed must be an int"),
        (True, TypeError, "seed must be an int"),
    ],
)
def test_bad_seed(seed, error, match):
    with pytest.raises(error, match=match):
        seed_everything(seed)


def test_device():
    assert device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert device().type == expected
    with pytest.raises(ValueError, match="prefer must be"):
        device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            device("cuda")


def test_set_threads(monkeypatch):
    before = torch.get_num_threads()
    try:
        assert set_threads(1) == 1 == torch.get_num_threads()
        monkeypatch.setenv("SEQLAB_THREADS", "2")
        assert set_threads() == 2
        monkeypatch.setenv("SEQLAB_THREADS", "two")
        with pytest.raises(ValueError, match="SEQLAB_THREADS"):
            set_threads()
        with pytest.raises(ValueError, match="n must be a positive int"):
            set_threads(0)
    finally:
        torch.set_num_threads(before)


def test_environment_report_describes_this_process():
    report = environment_report()
    assert report["torch"] == torch.__version__
    assert report["seqlab"] == seqlab.__version__
    assert report["torch_threads"] == torch.get_num_threads()
    assert (report["gpu"] is None) == (not torch.cuda.is_available())
    assert report["cpu"]


def test_count_parameters_counts_trainable_only():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    assert count_parameters(model) == (3 * 4 + 4) + (4 * 2 + 2)
    model[0].weight.requires_grad_(False)
    assert count_parameters(model) == 4 + 10
    with pytest.raises(TypeError, match=r"torch\.nn\.Module"):
        count_parameters([torch.zeros(3)])


def test_closest_size_picks_the_nearest_parameter_count():
    from seqlab.utils import closest_size

    def make(h):
        return torch.nn.Linear(10, h)  # 11 h parameters

    assert closest_size(make, 100, range(1, 20)) == 9  # 99 beats 110
    assert closest_size(make, 1000, range(1, 20)) == 19  # the largest is the nearest
    with pytest.raises(ValueError, match="n_params must be a positive int"):
        closest_size(make, 0, range(1, 5))
    with pytest.raises(ValueError, match="sizes is empty"):
        closest_size(make, 10, [])
