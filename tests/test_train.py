"""seqlab.train.fit: it learns, it caches by config, and it refuses bad arguments."""

import pytest
import torch
from torch import nn

from seqlab.data import TaskBatch
from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.train import evaluate, fit


def repeat_task(generator):
    """Next token = current token: learnable in a few steps."""
    while True:
        x = torch.randint(0, 5, (8, 6), generator=generator)
        yield TaskBatch(x, x.clone(), torch.ones_like(x, dtype=torch.bool), 5, 5)


def model(seed=0):
    torch.manual_seed(seed)
    return RNNLM(RNNLMConfig(vocab_size=5, d_embed=8, hidden_size=16, cell="gru"))


def test_fit_learns_and_records_history():
    m = model()
    history = fit(
        m, repeat_task(torch.Generator().manual_seed(0)), steps=150, lr=1e-2, progress=False
    )
    assert history.steps == 150 and len(history.seconds) == 150
    assert history.metric[-1] == 1.0 and history.loss[-1] < 0.1 * history.loss[0]


def test_checkpoint_cache_loads_same_key_and_retrains_changed_key(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQLAB_CACHE_DIR", str(tmp_path))
    key = {"model": "gru-16", "data": "repeat", "seed": 0}
    first = model()
    h1 = fit(
        first,
        repeat_task(torch.Generator().manual_seed(0)),
        steps=20,
        cache_key=key,
        progress=False,
    )
    assert not h1.from_cache and len(list(tmp_path.glob("*.pt"))) == 1
    second = model(seed=1)  # different initial weights
    h2 = fit(
        second,
        repeat_task(torch.Generator().manual_seed(0)),
        steps=20,
        cache_key=key,
        progress=False,
    )
    assert h2.from_cache and h2.loss == h1.loss
    for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b)
    h3 = fit(
        model(),
        repeat_task(torch.Generator().manual_seed(0)),
        steps=20,
        cache_key={**key, "seed": 1},
        progress=False,
    )
    assert not h3.from_cache and len(list(tmp_path.glob("*.pt"))) == 2


def test_evaluate_and_eval_every():
    m = model()
    gen = torch.Generator().manual_seed(0)
    history = fit(
        m,
        repeat_task(gen),
        steps=30,
        lr=1e-2,
        progress=False,
        eval_every=10,
        eval_batches=lambda: [next(repeat_task(torch.Generator().manual_seed(9)))],
    )
    assert history.eval_steps == [10, 20, 30] and len(history.eval_loss) == 3
    loss, acc = evaluate(m, [next(repeat_task(torch.Generator().manual_seed(9)))])
    assert loss == pytest.approx(history.eval_loss[-1]) and 0 <= acc <= 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one of steps and time_budget"),
        ({"steps": 5, "time_budget": 1.0}, "exactly one"),
        ({"steps": 0}, "steps must be a positive int"),
        ({"steps": 5, "clip": 0.0}, "clip must be positive"),
        ({"steps": 5, "eval_every": 2}, "eval_every needs eval_batches"),
        ({"steps": 5, "cache_key": {"f": object()}}, "JSON-serialisable"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        fit(model(), repeat_task(torch.Generator()), progress=False, **kwargs)


def test_a_model_without_parameters_is_refused():
    with pytest.raises(ValueError, match="no trainable parameters"):
        fit(nn.ReLU(), repeat_task(torch.Generator()), steps=1, progress=False)


def test_model_output_shape_is_checked():
    class WrongShape(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(5))

        def forward(self, x):  # (B, L) -> (B, C): forgot the time axis
            return self.w.expand(x.shape[0], 5)

    with pytest.raises(ValueError, match=r"model output must be \(B, L, classes\)"):
        fit(WrongShape(), repeat_task(torch.Generator()), steps=1, progress=False)


def test_same_seed_same_loss_history():
    def run(seed):
        m = model(seed)
        return fit(m, repeat_task(torch.Generator().manual_seed(seed)), steps=15, progress=False)

    assert run(0).loss == run(0).loss
    assert run(0).loss != run(1).loss


def test_regression_loss_on_the_adding_problem():
    from seqlab.data import adding_problem, task_stream
    from seqlab.rnn import RNNRegressor
    from seqlab.train import regression_loss

    torch.manual_seed(0)
    m = RNNRegressor("gru", 2, 8)
    batch = adding_problem(16, length=6, generator=torch.Generator().manual_seed(0))
    loss, metric = regression_loss(m, batch)
    torch.testing.assert_close(loss, ((m(batch.x) - batch.y) ** 2).mean())
    assert metric == pytest.approx(loss.item())
    stream = task_stream("adding", 32, length=6, generator=torch.Generator().manual_seed(0))
    history = fit(m, stream, steps=60, lr=1e-2, loss_fn=regression_loss, progress=False)
    assert history.loss[-1] < history.loss[0]
    with pytest.raises(ValueError, match="model output must have shape"):
        regression_loss(lambda x: x[..., 0], batch)
