"""The rules of chapter 10's comparisons, fixed before the numbers.

Every threshold, grid, budget and margin that decides a verdict of the claim ledger is
here and nowhere else. Every results file records the SHA-256 of this file's bytes
(``rules_sha256`` in its stamp, see :func:`seqlab.bench.common.rules_sha256`), and a test
fails when a committed results file was made under rules other than these: changing a
rule means rerunning the suites. ``../shared/EXPERIMENTS.md`` is the protocol in words;
the reasons for each number are beside it here.
"""

# --- Seeds --------------------------------------------------------------------------
# Five seeds for every reported configuration: every run of the CPU tier takes under a
# minute. The learning-rate search trains with a seed of its own, so the seeds that are
# reported are never the ones a rate was chosen on (no selection bias in the reported
# numbers). ``--quick`` runs one seed and one rate: it checks the code, not the claims.
SEEDS = (0, 1, 2, 3, 4)
TUNE_SEED = 100
QUICK_SEEDS = (0,)

# --- Learning-rate search (per family, per model size or task condition) -------------
# At the first size (or the first lag, or the first training-set size): six rates a
# half-decade apart, 10^-3.5 ... 10^-1, bracketing every optimum the book has seen
# (3e-3 ... 3e-2 with Adam). At the next one: the previous best and its two
# neighbours, extended by a half-decade while the best is at an edge, at most
# LR_MAX_EXTEND times; a best still at an edge then is recorded as such.
LR_FIRST = tuple(10 ** (e / 2) for e in range(-7, -1))
LR_FACTOR = 10**0.5
LR_MAX_EXTEND = 3
LR_BOUNDS = (1e-5, 1.0)
QUICK_LR = 10**-2.5
# Rates are compared by validation loss (accuracy ties at 1.0 on easy settings), on data
# the reported scores are not computed on.

# --- Shared training recipe of every learning suite ---------------------------------
# Adam, constant rate, gradient norm clipped at 1 (seqlab.train.fit), the LSTM's
# forget-gate bias at +1 (Gers et al. 2000; Jozefowicz et al. 2015), torch's default
# init elsewhere. Both families get the same steps, batch and data stream per seed.
CLIP = 1.0
FORGET_BIAS = 1.0
# Every learning run computes on one thread: two suites then run side by side, one per
# core (``--jobs 2``), which halves the CPU tier's time, and the wall-clock of two runs
# compared in one suite (claim 4) is never measured with different thread counts.
LEARNING_THREADS = 1

# --- Verdicts ------------------------------------------------------------------------
# A difference between two families counts when the 95 % percentile-bootstrap interval
# of the difference of their means (seeds resampled within each family, independently)
# excludes zero AND the difference exceeds the practical margin of its measure.
# Otherwise the comparison is "inconclusive".
CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 0
MARGIN = {
    "accuracy": 0.05,  # share of test items: 5 points
    "exact_match": 0.05,
    "loss": 0.02,  # nats per character: ~0.03 bits, a visible gap in a curve
    "log_time": 0.18232155679395462,  # ln(1.2): a step or a wall-clock 1.2x apart
    "exponent": 0.02,  # of L = L_inf + a N^-alpha: a tenth of the exponents seen here
}
# A score within NEAR_CHANCE of chance is "at chance": it is never a win, and a model
# whose every seed and every rate of its search stays there "failed to train" (it is
# reported as such and left out of its claim's verdict, not scored as its family's
# ability). Where a training-set score exists (low data), failing to train is judged on
# it: a model that fits its training set and does not generalise has trained.
NEAR_CHANCE = 0.10
# A claim is "supported" when every comparison it rests on supports it; "not supported
# here" when none does and at least one contradicts it; "mixed" when some support and
# some contradict or are inconclusive; "inconclusive" when none is decided.
VERDICTS = ("supported", "mixed", "not supported here", "inconclusive")

# --- Speed (claim 1) -----------------------------------------------------------------
# The grid: every length, batch and width, a training step (forward, backward, Adam)
# and a forward pass (inference, no grad). Models: torch.nn.LSTM (oneDNN on CPU, cuDNN on
# CUDA) and the Transformer with torch's fused attention, both 2 layers, embedding = width,
# the Transformer's d_ff chosen to match the LSTM's parameter count, heads of 64 units;
# the book's from-scratch LSTM as a labelled "teaching code" line at SPEED_TEACHING_BATCH.
SPEED_LENGTHS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
SPEED_BATCHES = (1, 16, 64)
SPEED_WIDTHS = (128, 512)
SPEED_LAYERS = 2
SPEED_HEAD_SIZE = 64
SPEED_VOCAB = 64
SPEED_TEACHING_BATCH = 16
QUICK_SPEED = {"lengths": (16, 32, 64), "batches": (2,), "widths": (32,)}
# A cell is skipped, with its reason recorded, when its step is predicted (from the
# previous length, growth at least linear) to take over SPEED_MAX_STEP_SECONDS, or its
# memory to exceed SPEED_MEMORY_SHARE of the machine's (RAM, or the GPU's memory).
SPEED_MAX_STEP_SECONDS = 30.0
SPEED_MEMORY_SHARE = 0.5
SPEED_WARMUP = 1
SPEED_REPEATS = 5  # timed calls per cell; SPEED_SLOW_REPEATS where a call takes > 1 s,
SPEED_SLOW_REPEATS = 3  # SPEED_SLOWEST_REPEATS where it takes > 5 s (their spread is a few
SPEED_SLOWEST_REPEATS = 2  # per cent, far inside the 1.2x margin; it keeps the grid in budget)
# One family wins a cell when its median is faster by more than the log_time margin
# (1.2x) and the two ranges of repeats do not overlap; otherwise the cell is a tie.

# --- Long range (claim 2) ------------------------------------------------------------
LONGRANGE_LAGS = {
    "copy_memory": (10, 50, 100),  # blank steps between the symbols and the recall
    "associative_recall": (2, 8, 16),  # stored key-value pairs
    "copy_seq2seq": (8, 16, 32),  # input length
}
# The search runs at the middle condition of each task. At the others, a family whose
# every seed stays at chance gets the whole first grid (LR_FIRST) before it is declared
# "failed to train" there.
LONGRANGE_STEPS = {"lm": 600, "seq2seq": 400}
CHANCE = {"copy_memory": 1 / 8, "associative_recall": 1 / 8, "copy_seq2seq": 0.0}

# --- Scaling and training speed (claims 3, 4) ----------------------------------------
# (LSTM hidden units, Transformer width); the Transformer's d_ff matches each size.
SCALING_RUNGS = ((16, 16), (32, 24), (64, 32), (128, 64), (256, 96))
SCALING_STEPS = 500  # equal steps for both families; equal wall-clock read off the curves
SCALING_EVAL_EVERY = 50
# The training-speed target: the worst final loss over both families' seeds at the rung
# of chapter 9's pair (128 LSTM units), so that every run reaches it.
TARGET_HIDDEN = 128

# --- Order and the smallest model (claims 5, 6c) --------------------------------------
ORDER_STEPS = 1000
LADDER = {"lstm": (4, 8, 16, 32), "transformer": (8, 16, 32)}
LADDER_STEPS = 400
SOLVED = 0.9  # a size solves chapter 3's task when its interval's lower end reaches this

# --- Streaming and low data (claim 6a, 6b) --------------------------------------------
STREAM_CONTEXTS = (16, 32, 64, 128, 256, 512, 1024, 2048)
STREAM_REPEATS = 7
LOWDATA_SIZES = (1000, 10000)
LOWDATA_STEPS = 600
