"""seqlab.train.fit: it learns, it caches by config, and it refuses bad arguments."""

import pytest
import torch
from torch import nn

from seqlab.data import TaskBatch
from seqlab.rnn import RNNLM, RNNLMConfig
from seqlab.train import evaluate, fit, lr_factor, regression_loss, sequence_loss


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


# ---------------------------------------------------------------- the training recipe


def test_default_adamw_without_decay_trains_exactly_as_adam():
    def run(optimizer=None):
        m = model()
        opt = optimizer(m) if optimizer else None
        h = fit(m, repeat_task(torch.Generator().manual_seed(0)), steps=12, lr=1e-2,
                optimizer=opt, progress=False)  # fmt: skip
        return m, h

    ours, h1 = run()
    adam, h2 = run(lambda m: torch.optim.Adam(m.parameters(), lr=1e-2))
    assert h1.loss == h2.loss
    for a, b in zip(ours.state_dict().values(), adam.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, atol=0, rtol=0)


def test_weight_decay_shrinks_matrices_and_not_biases():
    lr, decay = 1e-2, 0.1
    start = {k: v.clone() for k, v in model().state_dict().items()}
    after = {}
    for wd in (0.0, decay):
        m = model()
        fit(m, repeat_task(torch.Generator().manual_seed(0)), steps=1, lr=lr,
            weight_decay=wd, progress=False)  # fmt: skip
        after[wd] = m.state_dict()
    for name, p0 in start.items():
        # AdamW: p <- p (1 - lr wd) - lr adam(g); the first Adam update does not
        # depend on wd, so the difference is -lr wd p0 for decayed tensors
        expected = -lr * decay * p0 if p0.dim() >= 2 else torch.zeros_like(p0)
        torch.testing.assert_close(after[decay][name] - after[0.0][name], expected)


@pytest.mark.parametrize("schedule", ["constant", "cosine", "inverse_sqrt"])
def test_the_learning_rate_of_each_step_follows_the_schedule(schedule):
    m = model()
    h = fit(m, repeat_task(torch.Generator().manual_seed(0)), steps=10, lr=0.02,
            schedule=schedule, warmup=4, progress=False)  # fmt: skip
    expected = [0.02 * lr_factor(schedule, t, steps=10, warmup=4) for t in range(10)]
    assert h.lr == pytest.approx(expected)
    assert h.lr[:4] == pytest.approx([0.005, 0.01, 0.015, 0.02])  # linear warm-up


def test_lr_factor_values():
    assert lr_factor("cosine", 0, steps=10) == 1.0
    assert lr_factor("cosine", 5, steps=10) == pytest.approx(0.5)
    assert lr_factor("inverse_sqrt", 15, steps=100, warmup=4) == pytest.approx(0.5)
    assert lr_factor("constant", 99, steps=100, warmup=4) == 1.0
    with pytest.raises(ValueError, match="schedule must be one of"):
        lr_factor("linear", 0, steps=10)


def test_sequence_loss_with_label_smoothing_is_the_smoothed_cross_entropy():
    m = model()
    batch = next(repeat_task(torch.Generator().manual_seed(3)))
    plain, acc = sequence_loss(m, batch)
    smooth, acc_smooth = sequence_loss(m, batch, label_smoothing=0.1)
    logp = m(batch.x)[0].log_softmax(-1)[batch.mask]  # (N, C)
    uniform = -logp.mean(-1).mean()  # cross-entropy against the uniform distribution
    torch.testing.assert_close(smooth, 0.9 * plain + 0.1 * uniform)
    assert acc == acc_smooth


def test_label_smoothing_trains_smoothed_and_evaluates_plain():
    eval_batches = lambda: [next(repeat_task(torch.Generator().manual_seed(9)))]  # noqa: E731
    m = model()
    first = next(repeat_task(torch.Generator().manual_seed(0)))
    smoothed_start = sequence_loss(m, first, label_smoothing=0.2)[0].item()
    h = fit(m, repeat_task(torch.Generator().manual_seed(0)), steps=5,
            label_smoothing=0.2, eval_batches=eval_batches, progress=False)  # fmt: skip
    assert h.loss[0] == pytest.approx(smoothed_start)
    assert h.eval_loss[-1] == pytest.approx(evaluate(m, eval_batches())[0])  # plain


def test_recipe_options_change_the_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQLAB_CACHE_DIR", str(tmp_path))
    key = {"model": "gru-16", "seed": 0}
    options = [{}, {"weight_decay": 0.1}, {"schedule": "cosine"}, {"warmup": 2},
               {"label_smoothing": 0.1}, {"lr": 3e-3}]  # fmt: skip
    for extra in options:
        h = fit(model(), repeat_task(torch.Generator().manual_seed(0)), steps=4,
                cache_key=key, progress=False, **extra)  # fmt: skip
        assert not h.from_cache, extra
    assert len(list(tmp_path.glob("*.pt"))) == len(options)
    again = fit(model(), repeat_task(torch.Generator().manual_seed(0)), steps=4,
                cache_key=key, progress=False, schedule="cosine")  # fmt: skip
    assert again.from_cache and again.lr == pytest.approx(
        [1e-3 * lr_factor("cosine", t, steps=4) for t in range(4)]
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time_budget": 1.0, "schedule": "cosine"}, "needs steps"),
        ({"time_budget": 1.0, "warmup": 3}, "needs steps"),
        ({"steps": 5, "warmup": 5}, "warmup must be fewer than steps=5"),
        ({"steps": 5, "schedule": "linear"}, "schedule must be one of"),
        ({"steps": 5, "weight_decay": -0.1}, "weight_decay must be a number >= 0"),
        ({"steps": 5, "label_smoothing": 1.0}, r"label_smoothing must be in \[0, 1\)"),
        ({"steps": 5, "label_smoothing": 0.1, "loss_fn": regression_loss}, "no.*keyword|has none"),
    ],
)
def test_bad_recipe_arguments(kwargs, match):
    m = model()
    with pytest.raises((ValueError, TypeError), match=match):
        fit(m, repeat_task(torch.Generator()), progress=False, **kwargs)


def test_weight_decay_with_your_own_optimizer_is_refused():
    m = model()
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="give it to your optimizer"):
        fit(m, repeat_task(torch.Generator()), steps=2, optimizer=opt, weight_decay=0.1,
            progress=False)  # fmt: skip
