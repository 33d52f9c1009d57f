"""Chapter 1's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "1. Sequences and recurrent networks"

QUESTIONS = (
    Number(
        "With the vanilla cell (`cell='rnn'`), the chapter's language model would have an "
        "RNN layer reading 32-dimensional embeddings into 128 units: "
        "`nn.RNN(input_size=32, hidden_size=128)`. How many parameters does that layer "
        "have, with torch's two bias vectors?",
        answer=20736,
        tolerance=0.5,
        right="W_ih is 128 × 32 (4,096), W_hh is 128 × 128 (16,384), and b_ih and b_hh have "
        "128 each (256): 20,736. The count does not depend on the sequence length, because "
        "the same weights serve every step.",
        wrong="Count W_ih (H × D = 128 × 32), W_hh (H × H = 128 × 128) and the two bias "
        "vectors b_ih and b_hh of H = 128 each. The length of the sequence does not enter.",
    ),
    Pick(
        "A character model reaches a validation perplexity of 4. What does that say?",
        (
            Choice(
                "It predicts the next character correctly one time in four.",
                "Perplexity is not an accuracy: it is e^(cross-entropy), a mean over the "
                "probabilities given to the true characters. A model can be right far more "
                "often than one time in four at perplexity 4, or less often.",
            ),
            Choice(
                "It is four times better than guessing uniformly.",
                "Uniform guessing over V characters has perplexity V, so perplexity 4 is V/4 "
                "times lower than uniform, not four times: the number is a level, not a "
                "ratio to a baseline.",
            ),
            Choice(
                "Its cross-entropy is 4 nats per character.",
                "Perplexity is e raised to the cross-entropy, so perplexity 4 is a "
                "cross-entropy of ln 4 ≈ 1.39 nats per character.",
            ),
            Choice(
                "On average it is as uncertain as if it picked uniformly among 4 characters: "
                "its cross-entropy is ln 4 ≈ 1.39 nats per character.",
                "A uniform choice among k characters has cross-entropy ln k and "
                "perplexity k; perplexity 4 means the model's mean log-probability of the "
                "true character equals that of a uniform choice among 4.",
            ),
        ),
        answer=3,
    ),
    Pick(
        "In stateful training the final state of one window is passed through `.detach()` "
        "and given to the next window. Compared with starting every window from a zero "
        "state, what does that change?",
        (
            Choice(
                "The gradient now flows back across window boundaries, so training sees "
                "dependencies longer than one window.",
                "That is exactly what `.detach()` prevents: the values carry over but the "
                "gradient stops at the window's start, in both kinds of training.",
            ),
            Choice(
                "The forward pass at the start of each window now conditions on the text "
                "before it, while backpropagation is still truncated at the window's start.",
                "The carried values change what the model can predict from at the "
                "first characters of a window; the detached state has no gradient history, "
                "so BPTT still reaches only the window's first character.",
            ),
            Choice(
                "Nothing the loss can see: a detached tensor has no gradient, so it cannot "
                "influence the model.",
                "Detaching removes the gradient history, not the values. The state's values "
                "still enter the next window's computation and change its predictions and "
                "its loss.",
            ),
            Choice(
                "The batches become independent of their order, so they can be shuffled.",
                "The opposite: each window needs the state its predecessor left, so stateful "
                "training must read each row in order. That is why random windows are the "
                "book's default.",
            ),
        ),
        answer=1,
    ),
    Number(
        "Next-character probabilities are 0.4, 0.3, 0.2 and 0.1 at temperature 1. Sampling "
        "at temperature 0.5 with a nucleus of p = 0.75 (temperature first, as "
        "`next_token_probs` does): how many characters does the nucleus keep?",
        answer=2,
        tolerance=0.5,
        right="Temperature 0.5 squares the probabilities and renormalises: 0.16, 0.09, 0.04, "
        "0.01 over 0.30 is about 0.533, 0.300, 0.133, 0.033. The running sums 0.533, 0.833 "
        "reach 0.75 at the second character. At temperature 1 the nucleus would keep three: "
        "that is why the nucleus does not commute with the temperature.",
        wrong="Apply the temperature first: dividing the logits by 0.5 squares each "
        "probability before renormalising (0.16, 0.09, 0.04, 0.01 over 0.30). Then keep the "
        "smallest set of most likely characters whose sum reaches 0.75.",
    ),
    Pick(
        "The stateful experiment compares carrying the state with resetting it, at windows "
        "of 32 characters. The page expects the difference to shrink with longer windows. "
        "Why?",
        (
            Choice(
                "Longer windows let the gradient cross into earlier windows, which replaces "
                "what the carried state provided.",
                "The gradient never crosses a window boundary in either arm: the state is "
                "detached. What the carried state provides is context for the forward pass, "
                "not a longer gradient.",
            ),
            Choice(
                "Longer windows make the loss per character noisier, which hides the difference.",
                "A longer window averages the loss over more characters, if anything less "
                "noisy. The argument is about which characters the carried state can help.",
            ),
            Choice(
                "Carrying helps mostly the first characters of each window, which otherwise "
                "start from no context; in longer windows they are a smaller share of the "
                "loss.",
                "A reset window lacks the past only at its start; further in, the "
                "window's own characters supply the context, so the benefit is diluted as "
                "windows grow.",
            ),
        ),
        answer=2,
    ),
)
