"""The chapter 3 builder exercise: the forget-bias checker accepts seqlab's
reference and rejects plausible wrong variants, each with its specific hint."""

from seqlab.exercises import check_forget_bias_init
from seqlab.rnn import init_forget_bias


def reference(lstm, value):
    h = lstm.hidden_size
    for k in range(lstm.num_layers):
        getattr(lstm, f"bias_ih_l{k}")[h : 2 * h] = value
        getattr(lstm, f"bias_hh_l{k}")[h : 2 * h] = 0.0


def test_the_reference_and_seqlabs_own_are_accepted():
    assert check_forget_bias_init(reference, quiet=True)
    assert check_forget_bias_init(init_forget_bias, quiet=True)


def test_the_input_gate_slice_is_rejected_with_the_gate_order():
    def input_slice(lstm, value):  # rows 0:H are the input gate, not the forget gate
        h = lstm.hidden_size
        for k in range(lstm.num_layers):
            getattr(lstm, f"bias_ih_l{k}")[:h] = value
            getattr(lstm, f"bias_hh_l{k}")[:h] = 0.0

    feedback = check_forget_bias_init(input_slice, quiet=True)
    assert not feedback
    assert "input i gate" in feedback.message and "i, f, g, o" in feedback.message


def test_the_value_in_both_biases_is_rejected():
    def both(lstm, value):  # the gate then starts at 2 * value
        h = lstm.hidden_size
        for k in range(lstm.num_layers):
            getattr(lstm, f"bias_ih_l{k}")[h : 2 * h] = value
            getattr(lstm, f"bias_hh_l{k}")[h : 2 * h] = value

    feedback = check_forget_bias_init(both, quiet=True)
    assert not feedback and "put the value in one" in feedback.message


def test_adding_to_the_init_and_forgetting_a_layer_are_rejected():
    def added(lstm, value):
        h = lstm.hidden_size
        for k in range(lstm.num_layers):
            getattr(lstm, f"bias_ih_l{k}")[h : 2 * h] += value

    def first_layer_only(lstm, value):
        h = lstm.hidden_size
        lstm.bias_ih_l0[h : 2 * h] = value
        lstm.bias_hh_l0[h : 2 * h] = 0.0

    feedback = check_forget_bias_init(added, quiet=True)
    assert not feedback and "adding it to the random init" in feedback.message
    feedback = check_forget_bias_init(first_layer_only, quiet=True)
    assert not feedback and "layer 1 is unchanged" in feedback.message


def test_an_error_in_the_readers_code_is_reported():
    def broken(lstm, value):
        raise RuntimeError("oops")

    feedback = check_forget_bias_init(broken, quiet=True)
    assert not feedback and "RuntimeError: oops" in feedback.message
