"""The rules of chapter 10's experiments at scale (suites ``sweep`` and ``context``),
fixed before the numbers.

They sit in a file of their own so that changing one reruns only the two suites that read
it. Every results file of those suites records the SHA-256 of this file
(``scale_rules_sha256``) beside that of :mod:`seqlab.bench.rules`
(``rules_sha256``), whose shared protocol they also follow: the seeds' bootstrap, the
learning-rate search, clipping, the forget-gate bias, the margins and the verdicts. A test
fails when a committed file was made under other rules than these two files.

The corpus is the Python standard library's source (:mod:`seqlab.data.code`), about 12
million characters; every model is a character language model on it.
"""

# --- Seeds -----------------------------------------------------------------------------
# Three reported seeds, not five: a run of the larger sizes takes one to five minutes on
# one core, and the protocol asks for five only where a run is under a minute. The
# learning-rate search trains with rules.TUNE_SEED, as everywhere.
SCALE_SEEDS = (0, 1, 2)

# --- Tiers -----------------------------------------------------------------------------
# Each suite has a "cpu" tier, committed from the 2-core machine (both suites side by side
# on one core each: under 60 minutes), and a "gpu" tier of the same code at sizes up to
# tens of millions of parameters and longer contexts, run where a GPU is lent.
#
# sweep: model size and data size.
#   rungs: (LSTM hidden units, Transformer width) of each size, the Transformer's d_ff
#     chosen to match the LSTM's parameter count (within 10 %); LSTM layers, Transformer
#     layers and heads (4 on the CPU, as chapter 10's other LMs; heads of 64 units on the
#     GPU) and the LSTM's embedding size.
#   Token budget: the same for every size and family, steps * batch * seq_len training
#     characters (2^20 on the CPU). A fixed budget is far from compute-optimal at both
#     ends: Hoffmann et al. (2022) find about 20 tokens per parameter optimal, which this
#     budget gives near 50,000 parameters; the smallest models see over 100 per parameter
#     (trained past their optimum), the largest about 3 (short of it), so the top of the
#     curve bends toward the budget's floor and a fitted exponent describes this budget.
#   data: at the rung data_rung, training on the first share of the training split's
#     characters (shares of the budget), repeated as epochs; the best validation loss of
#     evaluations every eval_every steps is kept, and training stops after `patience`
#     evaluations without a new best (early stopping, as Kaplan et al. 2020 measure L(D)).
#     The learning rate is the one searched at that rung on the full data.
# context: loss at each position of a long context, at matched sizes and budgets.
TIERS = {
    "cpu": {
        "sweep": {
            "rungs": ((16, 16), (32, 24), (48, 32), (96, 48), (160, 64), (256, 96)),
            "lstm_layers": 1,
            "tf_layers": 2,
            "heads": 4,
            "d_embed": 32,
            "seq_len": 128,
            "batch": 32,
            "steps": 256,
            "data_rung": 3,
            "data_shares": (4**-4, 4**-3, 4**-2, 4**-1),
            "eval_every": 32,
            "patience": 3,
        },
        "context": {
            "rungs": ((96, 48), (160, 64)),
            "lstm_layers": 1,
            "tf_layers": 2,
            "heads": 4,
            "d_embed": 32,
            "seq_len": 512,
            "batch": 8,
            "steps": 512,
        },
    },
    "gpu": {
        "sweep": {
            "rungs": ((256, 128), (384, 192), (512, 256), (768, 384), (1024, 512), (1536, 768)),
            "lstm_layers": 2,
            "tf_layers": 4,
            "head_size": 64,
            "d_embed": 128,
            "seq_len": 256,
            "batch": 64,
            "steps": 2000,
            "data_rung": 3,
            "data_shares": (4**-4, 4**-3, 4**-2, 4**-1),
            "eval_every": 200,
            "patience": 3,
        },
        "context": {
            "rungs": ((512, 256), (1024, 512)),
            "lstm_layers": 2,
            "tf_layers": 4,
            "head_size": 64,
            "d_embed": 128,
            "seq_len": 1024,
            "batch": 32,
            "steps": 2000,
        },
    },
}
# --quick, for tests and CI: tiny models of the tier's shape, a few steps, one seed and
# one rate (rules.QUICK_LR). It checks the code, not the claims.
QUICK_RUNGS = ((12, 8), (24, 16), (32, 24))  # with an embedding of 16 and 2 heads
QUICK_STEPS = 4
QUICK_BATCH = 2

# --- Evaluation --------------------------------------------------------------------------
# Rates are chosen by validation loss on the first VALID_CHARS characters of the
# validation split; reported losses are on the first TEST_CHARS of the test split, which
# no choice ever saw. Both are cut into non-overlapping windows of the suite's context,
# each read from an empty state (the LSTM starts from zeros, the Transformer sees only
# the window), so both families see exactly the same characters before each prediction.
VALID_CHARS = 65_536
TEST_CHARS = 131_072

# --- Loss against position (context) ------------------------------------------------------
# Position c is a prediction made with c characters of context (1 ... seq_len). The
# per-position losses are averaged in bins a half-octave wide (edges 2^(k/2)).
# A family "stops improving" at the start of the first bin whose loss is within
# rules.MARGIN["loss"] (0.02 nats) of its loss in the last bin.
# The comparison: the gain from far context, loss over positions [seq_len/8, seq_len/4)
# minus loss over [seq_len/2, seq_len]; the Transformer's gain against the LSTM's, by
# the bootstrap over seeds and the loss margin (claim 2 on real text).
POSITION_BIN_RATIO = 2**0.5
NEAR_BINS = (1 / 8, 1 / 4)  # of seq_len
FAR_BINS = (1 / 2, 1)
