"""The checkers accept right answers and reject wrong ones with a useful reason."""

import pytest
import torch

from seqlab.exercises import Feedback, check_close, check_function, check_softmax


def stable_softmax(x):
    z = torch.exp(x - x.max())
    return z / z.sum()


def test_reference_solution_is_accepted(capsys):
    feedback = check_softmax(stable_softmax)
    assert feedback
    assert capsys.readouterr().out.startswith("Correct")


def test_naive_softmax_is_rejected_for_overflow(capsys):
    feedback = check_softmax(lambda x: torch.exp(x) / torch.exp(x).sum())
    assert not feedback
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and "finite" in out and "subtract max" in out


@pytest.mark.parametrize(
    ("wrong", "reason"),
    [
        (lambda x: torch.exp(x), "expected"),  # not normalised
        (lambda x: stable_softmax(x)[:-1], "expected shape"),
        (lambda x: torch.ones_like(x) / 2, "expected"),
        (lambda x: x.nonexistent(), "raised AttributeError"),
    ],
)
def test_wrong_softmaxes_are_rejected(wrong, reason):
    feedback = check_softmax(wrong, quiet=True)
    assert isinstance(feedback, Feedback) and not feedback
    assert reason in feedback.message


def test_check_close():
    assert check_close(torch.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-8], quiet=True)
    miss = check_close([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.5]], quiet=True)
    assert not miss and "index (1, 1)" in miss.message
    assert not check_close(1.0, [1.0], quiet=True)  # shape () vs (1,)
    with pytest.raises(ValueError, match="atol"):
        check_close(1.0, 1.0, atol=-1)
    with pytest.raises(TypeError, match="answer must be"):
        check_close("one", 1.0, quiet=True)


def test_check_function_validates_its_arguments():
    with pytest.raises(TypeError, match="fn must be a function"):
        check_function(3, abs, [1])
    with pytest.raises(ValueError, match="hints"):
        check_function(abs, abs, [1, 2], hints=["only one"])


def test_a_notebook_shows_the_verdict_once(capsys):
    printed = check_close(1.0, 2.0)
    printed._ipython_display_()
    assert capsys.readouterr().out.count("Not yet") == 1
    quiet = check_close(1.0, 2.0, quiet=True)
    assert capsys.readouterr().out == ""
    quiet._ipython_display_()
    assert capsys.readouterr().out.count("Not yet") == 1
