"""The rules of the pretraining experiment (suite ``pretrain``, chapters 10 and 13), fixed
before the numbers.

They sit in a file of their own, as the rules of the suites at scale do, so that changing
one reruns only this suite. Every ``pretrain`` results file records the SHA-256 of this
file (``pretrain_rules_sha256``) beside that of :mod:`seqlab.bench.rules`, whose shared
protocol it follows: the learning-rate search (``rules.LR_FIRST`` and its extensions,
trained with ``rules.TUNE_SEED``), clipping, the forget-gate bias, the bootstrap, the
accuracy margin and the verdicts.

The question: does pretraining on unlabelled text help the Transformer more than the
LSTM? Each family is pretrained the way its own tradition does it (the Transformer as
BERT's masked language model, the LSTM as ELMo's bidirectional language model) on the
standard library's source outside four packages, then fine-tuned to tell which of the
four packages a snippet comes from (:mod:`seqlab.data.packages`), against the same model
trained from scratch on the labelled snippets alone.
"""

# --- Seeds -----------------------------------------------------------------------------
# Three reported seeds: a pretraining run takes about two minutes. Seed k pretrains model
# k, draws labelled set k and starts its classifier head from seed k, for both the
# pretrained and the from-scratch model: the gain of seed k is a paired difference.
PRETRAIN_SEEDS = (0, 1, 2)

# --- The matched pair --------------------------------------------------------------------
# ELMo-style BiLM: embedding 32, a forward and a backward LSTM of 96 units, one shared
# output layer. BERT-style masked LM: width 64, 2 layers, 4 heads, sinusoidal positions,
# d_ff chosen to match the BiLM's parameter count (within 10 %). The masked LM has one
# more id, [MASK].
PAIR = {"d_embed": 32, "hidden": 96, "d_model": 64, "layers": 2, "heads": 4}

# --- Pretraining -------------------------------------------------------------------------
# Random windows of 128 characters, 32 a batch, the same number of steps for both
# families (the same characters read; the masked LM is scored on 15 % of them, the BiLM
# on all of them in both directions: each objective as its inventors ran it). The last
# PRETRAIN_VALID_CHARS characters of the pretraining text are held out: the learning-rate
# search and the curves are scored on them.
PRETRAIN = {
    "window": 128,
    "batch": 32,
    "steps": 3000,
    "search_steps": 400,
    "eval_every": 250,
}
PRETRAIN_VALID_CHARS = 65_536

# --- Fine-tuning ----------------------------------------------------------------------------
# Snippets of 64 characters, four classes (chance 1/4). Two labelled-set sizes, balanced
# across classes. Each run: FINETUNE["steps"] steps of 32 snippets drawn with replacement
# from the labelled set, all weights trained, validation accuracy read every eval_every
# steps and the best weights kept (early stopping; ties: the earlier). The learning rate
# is searched once per family and start (pretrained, scratch) at the larger labelled
# size, scored by the validation loss at the best step, and used at both sizes.
LABELLED_SIZES = (64, 512)
FINETUNE = {"snippet": 64, "batch": 32, "steps": 150, "eval_every": 25}
VALID_SNIPPETS = 200
TEST_SNIPPETS = 1000
SPLIT_SEEDS = {"valid": 1_000, "test": 2_000}  # fixed draws: the same sets for every run

# --- The verdict ------------------------------------------------------------------------------
# At each labelled size: gain = test accuracy pretrained - from scratch, per seed, for
# each family; the claim ("pretraining pays off more for the Transformer") is supported
# at a size when the Transformer's gain beats the LSTM's by stats.compare on
# rules.MARGIN["accuracy"], contradicted when the LSTM's does, inconclusive otherwise.
# The claim's verdict joins the sizes by stats.claim_verdict.

# --- Quick ----------------------------------------------------------------------------------
QUICK = {
    "pretrain": {"window": 32, "batch": 4, "steps": 4, "search_steps": 2, "eval_every": 2},
    "finetune": {"snippet": 16, "batch": 4, "steps": 4, "eval_every": 2},
    "labelled_sizes": (8,),
    "valid_snippets": 8,
    "test_snippets": 8,
    "valid_chars": 512,
}
