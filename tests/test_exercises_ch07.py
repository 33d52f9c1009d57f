"""Chapter 7's multi-head attention exercise: the checker accepts a right answer and
names each plausible wrong one."""

import math

import pytest
import torch

from seqlab.exercises import check_mha
from seqlab.exercises.ch07 import _MHA_MISTAKES, _mha_case, _mha_variant
from seqlab.self_attention import MultiHeadAttention, causal_mask


def reader_mha(x, module, mask=None):
    """A reader's answer, written the way the chapter's solution is."""
    b, length, d = x.shape
    h = module.n_heads
    q, k, v = torch.nn.functional.linear(x, module.in_proj_weight, module.in_proj_bias).chunk(
        3, dim=-1
    )
    q, k, v = (t.unflatten(-1, (h, d // h)).transpose(1, 2) for t in (q, k, v))
    scores = q @ k.transpose(-2, -1) / math.sqrt(d // h)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, length, d)
    return module.out_proj(out)


def test_the_reference_variant_equals_the_module_and_torch():
    x, module, mask = _mha_case(0, 16, 4, 6, True)
    twin = torch.nn.MultiheadAttention(16, 4, batch_first=True)
    twin.load_state_dict(module.state_dict())
    with torch.no_grad():
        ours = _mha_variant(x, module, mask)
        torch.testing.assert_close(ours, module(x, x, x, mask=mask)[0])
        torch.testing.assert_close(ours, twin(x, x, x, attn_mask=~mask)[0])


def test_accepts_a_right_answer():
    assert check_mha(reader_mha, quiet=True)


def test_accepts_torch_functional_attention():
    def fused(x, module, mask=None):
        return module(x, x, x, mask=mask, need_weights=False)[0]

    assert check_mha(fused, quiet=True)


@pytest.mark.parametrize("mistake", sorted(_MHA_MISTAKES))
def test_rejects_each_mistake_with_its_hint(mistake):
    feedback = check_mha(lambda x, m, mask=None: _mha_variant(x, m, mask, mistake), quiet=True)
    assert not feedback
    assert _MHA_MISTAKES[mistake] in feedback.message


def test_rejects_the_plain_reshape_split_a_reader_would_write():
    def mixed(x, module, mask=None):
        b, length, d = x.shape
        h = module.n_heads
        qkv = torch.nn.functional.linear(x, module.in_proj_weight, module.in_proj_bias)
        q, k, v = (t.reshape(b, h, length, d // h) for t in qkv.chunk(3, dim=-1))
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // h)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        return module.out_proj((scores.softmax(-1) @ v).reshape(b, length, d))

    feedback = check_mha(mixed, quiet=True)
    assert not feedback and "transpose(1, 2)" in feedback.message


def test_an_unknown_mistake_gets_the_difference_but_no_false_hint():
    feedback = check_mha(lambda x, m, mask=None: reader_mha(x, m, mask) + 0.1, quiet=True)
    assert not feedback and "Hint" not in feedback.message and "difference" in feedback.message


def test_an_exception_in_the_answer_is_reported():
    def broken(x, module, mask=None):
        raise RuntimeError("shape mismatch")

    feedback = check_mha(broken, quiet=True)
    assert not feedback and "RuntimeError" in feedback.message


def test_a_non_function_is_a_type_error():
    with pytest.raises(TypeError, match="function"):
        check_mha("mha")


def test_the_cases_test_a_causal_mask_and_several_head_counts():
    from seqlab.exercises.ch07 import _MHA_CASES

    assert {causal for *_, causal in _MHA_CASES} == {True, False}
    assert len({heads for _, heads, *_ in _MHA_CASES}) >= 2
    _x, module, mask = _mha_case(1, 16, 4, 6, True)
    assert isinstance(module, MultiHeadAttention) and torch.equal(mask, causal_mask(6))


def _chapter_7_code(start: str, kind: str) -> str:
    """The first Python block of chapter 7 that starts with ``start``: a code cell
    (``kind="code"``) or a fenced block of a Markdown cell (``kind="markdown"``)."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "notebooks" / "07_multi_head_attention.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for c in (c for c in cells if c["cell_type"] == kind):
        text = "".join(c["source"])
        blocks = [text] if c["cell_type"] == "code" else text.split("```python\n")[1:]
        for block in blocks:
            if block.startswith(start):
                return block.split("```")[0]
    raise AssertionError(f"chapter 7 has no block starting with {start!r}")


def test_the_chapters_attempt_gets_the_scale_hint_and_its_solution_passes(capsys):
    namespace = {"torch": torch, "nn": torch.nn, "check_mha": check_mha}
    exec(_chapter_7_code("def mha(", "code"), namespace)
    assert "Not yet" in capsys.readouterr().out
    attempt = check_mha(namespace["mha"], quiet=True)
    assert not attempt and _MHA_MISTAKES["no_scale"] in attempt.message
    solution = _chapter_7_code("def mha(", "markdown")
    assert "d_k**0.5" in solution
    exec(solution, namespace)
    assert check_mha(namespace["mha"], quiet=True)
