"""What a reader's machine does to files: glue without myst-nb, atomic writes, a
checkpoint or results file broken by a crash, results that ship with the package."""

import json
import sys
import types

import pytest
import torch

from seqlab import utils
from seqlab.bench import SUITES, committed_results, load_results, run_suite
from seqlab.bench.ledger import load_all
from seqlab.rnn import GRU, LSTM, RNN, RNNLM, RNNLMConfig
from seqlab.train import fit
from seqlab.utils import atomic_write, glue
from test_train import repeat_task


@pytest.fixture
def no_myst_nb(monkeypatch):
    """A Python where ``import myst_nb`` fails, as on Colab."""
    monkeypatch.setitem(sys.modules, "myst_nb", None)
    utils._myst_glue.cache_clear()
    yield
    utils._myst_glue.cache_clear()


def test_glue_without_myst_nb_shows_the_value_or_nothing(no_myst_nb, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    glue("quiet", 1.5, display=False)
    assert shown == []
    glue("loud", 2.5)
    assert shown == [2.5]


def test_glue_with_myst_nb_is_myst_nbs_glue(monkeypatch):
    calls = []
    fake = types.ModuleType("myst_nb")
    fake.glue = lambda name, value, display=True: calls.append((name, value, display))
    monkeypatch.setitem(sys.modules, "myst_nb", fake)
    utils._myst_glue.cache_clear()
    try:
        glue("ppl", 4.6, display=False)
    finally:
        utils._myst_glue.cache_clear()
    assert calls == [("ppl", 4.6, False)]


def test_atomic_write_replaces_the_file_only_when_the_block_succeeds(tmp_path):
    path = tmp_path / "deep" / "f.json"
    with atomic_write(path) as f:
        f.write("old")
    assert path.read_text() == "old"
    assert path.stat().st_mode & 0o777 == 0o666 & ~utils._umask()  # like a plain open()
    with pytest.raises(RuntimeError, match="crash"), atomic_write(path) as f:
        f.write("half of the new")
        raise RuntimeError("crash while writing")
    assert path.read_text() == "old"  # the old file, untouched
    assert sorted(p.name for p in path.parent.iterdir()) == ["f.json"]  # no temporary left


def test_a_crash_during_the_first_write_leaves_no_file(tmp_path):
    path = tmp_path / "model.pt"

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("crash inside torch.save")

    with pytest.raises(RuntimeError, match="crash inside"), atomic_write(path, "wb") as f:
        torch.save({"w": torch.ones(1000), "bad": Unpicklable()}, f)
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_refuses_an_unknown_mode(tmp_path):
    with (
        pytest.raises(ValueError, match="mode must be 'w' or 'wb'"),
        atomic_write(tmp_path / "x", "a"),
    ):
        pass


def small_lm(seed=0):
    torch.manual_seed(seed)
    return RNNLM(RNNLMConfig(vocab_size=5, d_embed=8, hidden_size=16, cell="gru"))


def train(model, key):
    return fit(
        model,
        repeat_task(torch.Generator().manual_seed(0)),
        steps=10,
        cache_key=key,
        progress=False,
    )


def test_a_truncated_checkpoint_is_reported_retrained_and_overwritten(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("SEQLAB_CACHE_DIR", str(tmp_path))
    key = {"model": "gru-16", "seed": 0}
    first = train(small_lm(), key)
    (path,) = tmp_path.glob("*.pt")
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # what a crash mid-write used to leave
    capsys.readouterr()
    retrained_model = small_lm()
    again = train(retrained_model, key)
    notice = capsys.readouterr().out.strip().splitlines()
    assert len(notice) == 1 and str(path) in notice[0] and "retraining" in notice[0]
    assert not again.from_cache and again.loss == first.loss  # same training, from scratch
    loaded = train(small_lm(seed=1), key)  # the overwritten file reads again
    assert loaded.from_cache and loaded.loss == first.loss
    assert list(tmp_path.iterdir()) == [path]


def test_a_checkpoint_of_another_shape_retrains_from_the_models_own_weights(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("SEQLAB_CACHE_DIR", str(tmp_path))
    key = {"model": "shared key", "seed": 0}
    train(small_lm(), key)
    other = RNNLM(RNNLMConfig(vocab_size=5, d_embed=8, hidden_size=12, cell="gru"))
    torch.manual_seed(0)
    reference = RNNLM(RNNLMConfig(vocab_size=5, d_embed=8, hidden_size=12, cell="gru"))
    other.load_state_dict(reference.state_dict())
    history = train(other, key)
    assert "could not be read" in capsys.readouterr().out
    expected = train(reference, {"model": "fresh", "seed": 0})
    assert not history.from_cache and history.loss == expected.loss


@pytest.mark.parametrize("text", ["", '{"suite": "speed", "rows": [', "[1, 2]"])
def test_a_broken_results_file_names_the_file_and_the_problem(tmp_path, text):
    path = tmp_path / "speed-cpu.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=f"results file {path} (is not valid JSON|holds a JSON)"):
        load_results(path)


def test_a_results_file_failing_the_schema_names_the_file(tmp_path):
    path = tmp_path / "speed-cpu.json"
    path.write_text(json.dumps({"suite": "speed", "rows": []}))
    with pytest.raises(ValueError, match=f"results file {path}.*missing"):
        load_results(path)


def test_an_interrupted_suite_leaves_the_old_results_file(tmp_path, monkeypatch):
    path = run_suite("speed", quick=True, out=tmp_path, lengths=[8], batches=[2])
    before = path.read_text()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("seqlab.bench.json.dumps", crash)
    with pytest.raises(KeyboardInterrupt):
        run_suite("speed", quick=True, out=tmp_path, lengths=[8], batches=[2])
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_the_committed_results_ship_inside_the_package():
    folder = committed_results()
    assert folder.parts[-3:] == ("seqlab", "bench", "results")
    results = load_all()  # the default: the package's own files, from any working folder
    assert {"speed", "streaming", "recipe"} <= set(results) <= set(SUITES)
    assert results == load_all(folder)


def test_load_all_names_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no results folder"):
        load_all(tmp_path / "nowhere")


@pytest.mark.parametrize("cell", [RNN, LSTM, GRU])
def test_token_ids_into_a_recurrent_layer_get_seqlabs_error(cell):
    layer = cell(4, 8)
    with pytest.raises(TypeError, match=r"dtype torch\.float32.*got torch\.int64.*embed them"):
        layer(torch.randint(0, 5, (2, 3, 4)))
    with pytest.raises(TypeError, match=r"dtype torch\.float32.*got torch\.float64"):
        layer(torch.randn(2, 3, 4, dtype=torch.float64))
    state = torch.zeros(2, 8) if cell is not LSTM else (torch.zeros(2, 8), torch.zeros(2, 8))
    with pytest.raises(TypeError, match="x_t must be a floating-point tensor"):
        layer.step(torch.ones(2, 4, dtype=torch.long), state)
