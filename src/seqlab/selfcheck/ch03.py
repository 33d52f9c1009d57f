"""Chapter 3's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "3. LSTM and GRU"

QUESTIONS = (
    Number(
        "The copy-memory GRU reads 8-dimensional embeddings into 28 units. With biases as "
        "torch has them (two per gate), how many parameters does its recurrent layer have?",
        answer=3192,
        tolerance=0.5,
        right="Three gate blocks (reset, update, candidate), each with 28 × 8 input weights, "
        "28 × 28 recurrent weights and 2 × 28 biases: 3 × (224 + 784 + 56) = 3,192.",
        wrong="Count per gate block: input weights (28 × 8), recurrent weights (28 × 28) and "
        "torch's two bias vectors (2 × 28); a GRU has three such blocks (r, z and the "
        "candidate n), an LSTM four.",
    ),
    Pick(
        "The copy-memory comparison gives the RNN 50 units, the GRU 28 and the LSTM 24. Why "
        "not the same hidden size for all three?",
        (
            Choice(
                "So that each cell's state holds the same number of numbers.",
                "The states are not equal: the RNN carries 50 numbers, the GRU 28, the LSTM "
                "24 in h plus 24 in c. What the sizes match is the parameter count.",
            ),
            Choice(
                "At equal hidden size a GRU has about three times and an LSTM about four "
                "times the weights of an RNN; matching parameter counts (within 10 %) keeps "
                "a win from being mere capacity.",
                "With four gate blocks per unit, an LSTM of 50 units would have about "
                "four times the RNN's weights; any advantage could then come from size "
                "rather than from the gates.",
            ),
            Choice(
                "Because gated cells train faster per unit, so they need fewer units for the "
                "same number of steps.",
                "Nothing in the protocol tunes the sizes to training speed; every cell gets "
                "the same number of steps, and the sizes are fixed before any run.",
            ),
        ),
        answer=1,
    ),
    Pick(
        "Along the direct cell path, ∂c_t/∂c_(t−1) = diag(f_t), with no matrix. Yet at "
        "initialisation the LSTM's gradient still shrinks with the lag. Why?",
        (
            Choice(
                "At initialisation the forget gates sit near σ(bias), about 0.5 with "
                "PyTorch's init or 0.73 with the bias +1, so every step back multiplies the "
                "cell's gradient by about that.",
                "The cell path gives a decay the network can learn to switch off, by "
                "driving f_t towards 1 for the units that must remember; at the start it has "
                "not learnt that.",
            ),
            Choice(
                "The cell path passes through the sigmoid's derivative, at most 1/4, at "
                "every step.",
                "Along the direct path the gradient is multiplied by the value f_t, not by "
                "σ'; the sigmoid's derivative enters only the gradient with respect to the "
                "gate's own pre-activation.",
            ),
            Choice(
                "The cell state is multiplied by W_hh at every step, as in a vanilla RNN.",
                "The update c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t has no matrix on c_(t−1). W_hh "
                "appears only on the other paths, through h_(t−1) into the gates and the "
                "candidate.",
            ),
        ),
        answer=0,
    ),
    Number(
        "With the chrono forget bias log 25 (and the gate's other inputs contributing 0), "
        "what share of a cell's content is left after 25 steps in which nothing new is "
        "written? Give two decimals.",
        answer=0.38,
        tolerance=0.01,
        right="σ(log 25) = 25/26 ≈ 0.962, and (25/26)^25 ≈ 0.375: over a third survives the "
        "lag. With the bias +1, σ(1) ≈ 0.731 and 0.731^25 ≈ 0.0004.",
        wrong="The forget gate is σ(log 25) = 25 / (25 + 1); each step keeps that share, so "
        "after 25 steps the share is (25/26)^25.",
    ),
    Pick(
        "Suppose, at three seeds, one cell's accuracies have mean 0.62 and range 0.30, and "
        "another's mean 0.57 and range 0.25. What can you conclude about the two cells?",
        (
            Choice(
                "The first is better: averaging over seeds removes the noise.",
                "Three seeds average out little; a gap of 0.05 between means whose seeds "
                "spread over 0.25 to 0.30 could reverse with the next seed.",
            ),
            Choice(
                "They are equally good under this protocol.",
                "A difference inside the seed range is not evidence of a difference, but it "
                "is no evidence of equality either: the runs cannot tell them apart.",
            ),
            Choice(
                "Nothing about which is better: a difference smaller than the seed range is "
                "not a result at three seeds.",
                "This is the book's rule: with so few seeds, only a gap larger than "
                "the spread between seeds counts; more seeds or a larger gap would be needed.",
            ),
        ),
        answer=2,
    ),
)
