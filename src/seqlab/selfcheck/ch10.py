"""Chapter 10's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "10. Why Transformers outperform RNNs — measured"

QUESTIONS = (
    Pick(
        "A comparison of accuracy over five seeds gives Transformer − LSTM = +0.03, with a "
        "95 % interval of [+0.01, +0.05]; the practical margin for accuracy is 5 points "
        "(0.05). What is its outcome under the ledger's rules?",
        (
            Choice(
                "It supports the Transformer: the interval excludes zero.",
                "Excluding zero is one of two conditions. The difference must also exceed "
                "the margin fixed in advance, and 0.03 does not exceed 0.05.",
            ),
            Choice(
                "Inconclusive: the difference is inside the margin, although its interval "
                "excludes zero.",
                "A win needs an interval that excludes zero and a difference larger "
                "than the margin. A gap smaller than 5 points is treated as too small to "
                "matter, however consistent it is.",
            ),
            Choice(
                "Inconclusive, which shows that the two families are equally good.",
                "Inconclusive means the rules did not decide, not that the families are "
                "equal: here the Transformer is probably ahead, by less than the margin.",
            ),
            Choice(
                "Mixed: the interval is narrow but the difference is small.",
                "“Mixed” is a verdict on a whole claim, when some of its comparisons "
                "support it and others do not; a single comparison ends as a win, "
                "inconclusive, or failed to train.",
            ),
        ),
        answer=1,
    ),
    Pick(
        "Why does the speed comparison time `torch.nn.LSTM` rather than the LSTM written in "
        "chapter 3?",
        (
            Choice(
                "Chapter 3's LSTM loops over time steps in Python, so its time measures the "
                "interpreter and one round of small kernel launches per step, not "
                "recurrence; a fair comparison runs each family's strongest implementation.",
                "How many times longer the teaching LSTM takes per step than "
                "`torch.nn.LSTM` of the same size is the size of the mistake a naive "
                "comparison makes. It appears only as a labelled “teaching code” line.",
            ),
            Choice(
                "Chapter 3's LSTM has a different number of parameters.",
                "The two compute the same cell with the same weights; what differs is the "
                "implementation, a Python loop against a fused kernel.",
            ),
            Choice(
                "Chapter 3's LSTM gives slightly different outputs.",
                "Correctness is not the issue: the teaching code computes the same cell. "
                "Its slowness comes from how the loop is run, not from what it computes.",
            ),
            Choice(
                "`torch.nn.LSTM` runs on the GPU even when the rest runs on the CPU.",
                "It runs where its tensors are; on a CPU it uses oneDNN kernels, which do "
                "each step's arithmetic for the whole batch at once.",
            ),
        ),
        answer=0,
    ),
    Pick(
        "Each family's learning rate is searched on a tuning seed (100) that is never "
        "reported. Why not search on seed 0 and then report seed 0 with the others?",
        (
            Choice(
                "Seed 100 gives easier batches, which makes the search quicker.",
                "No seed is easier by design; the point is which runs the reported numbers "
                "come from, not how fast the search goes.",
            ),
            Choice(
                "So that both families see the same data.",
                "Both families get the same batches for each reported seed anyway; that "
                "does not need a separate tuning seed.",
            ),
            Choice(
                "A rate chosen because it scored best on seed 0 also selects that seed's "
                "luck; reporting seed 0 would flatter the tuned family.",
                "Choosing the best of several runs and then reporting that run "
                "biases the reported score upward. A tuning seed keeps the reported seeds "
                "independent of the choice.",
            ),
            Choice(
                "Because a search on seed 0 would make the bootstrap interval wider.",
                "The interval's width comes from the spread of the reported seeds; the "
                "problem with reusing seed 0 is bias in the mean, not width.",
            ),
        ),
        answer=2,
    ),
    Pick(
        "Suppose claim 1 (parallelization) comes out “not supported here” on the book's "
        "2-core CPU. What does that verdict license?",
        (
            Choice(
                "That the critical-path argument is wrong: an LSTM layer does not need L "
                "dependent steps.",
                "The critical path is a fact of the architecture: step t needs step t − 1. "
                "The verdict is about time, which also depends on the hardware.",
            ),
            Choice(
                "That the LSTM would also be faster on a GPU.",
                "A GPU has the idle parallel units that the Transformer's mechanism needs "
                "and a 2-core CPU lacks; without a fair GPU run, the chapter makes no "
                "statement about it.",
            ),
            Choice(
                "That the comparison was unfair to the Transformer, since self-attention "
                "does O(L² d) work.",
                "That work is the Transformer's real cost, not a flaw of the comparison; "
                "the sizes were matched and each side ran its strongest implementation.",
            ),
            Choice(
                "That in this regime (these sizes, this CPU, these budgets) the "
                "Transformer's training step was not the faster one; nothing about other "
                "hardware.",
                "Every verdict holds in the regime it was measured in. Fewer "
                "sequential steps become less time only where parallel units sit idle, "
                "which is the case the claim is about.",
            ),
        ),
        answer=3,
    ),
    Number(
        "A Transformer language model of 4 layers, width 128, keeps its key–value cache "
        "in float16 (2 bytes a number). How many MiB (1 MiB = 2²⁰ bytes) does the cache "
        "hold for one sequence of 1,024 tokens? Give two decimals.",
        answer=2.0,
        tolerance=0.01,
        right="A key and a value of 128 numbers per token per layer: 2 × 4 × 1,024 × 128 = "
        "1,048,576 numbers, 2 bytes each, 2,097,152 bytes = 2.00 MiB; twice that at "
        "2,048 tokens, while an LSTM's state stays the same size.",
        wrong="Count a key and a value (2) per layer (4) per token (1,024), each of width "
        "128: the heads split the width, they do not multiply it. Then 2 bytes a number, "
        "and divide by 1,048,576 bytes per MiB.",
    ),
)
