"""What large published studies found about each claim of chapter 10's claim ledger.

``PUBLISHED`` maps a ledger section id (``"claim-speed"`` ...; the ids of
:data:`seqlab.bench.ledger.CLAIMS`, plus ``"claim-context"``, the per-position loss) to
the published results that bear on it. Each entry is a plain dict:

``source``, ``title``, ``url``
    who, what, and the arXiv abstract page (the publisher's PDF for a report with no
    arXiv id).
``where``
    the figure or table, numbered as in the paper (the abstract where no figure or
    table number could be checked).
``scale``
    models, parameters, tokens, data set and context, as the paper states them.
``finding``
    one sentence in our own words, with the numbers that figure or table shows.
``bearing``
    ``"supports"``, ``"contradicts"``, ``"mixed"`` or ``"not tested"``, relative to the
    claim as the ledger words it. For ``claim-context`` the claim read is "Transformers
    keep using context far back; recurrent networks stop using it".
``checked``
    what the entry was checked against. Numbers that could not be checked were left out.

A modern recurrent model (a selective state-space model, RWKV, xLSTM) is not the LSTM
of the book: entries that rest on one say so in their finding, and the bearing is the
bearing on the claim as worded, which speaks of recurrent networks in general.
"""

from __future__ import annotations

BEARINGS = ("supports", "contradicts", "mixed", "not tested")

SECTIONS = (
    "claim-speed",
    "claim-longrange",
    "claim-scaling",
    "claim-training",
    "claim-order",
    "claim-streaming",
    "claim-lowdata",
    "claim-simplicity",
    "claim-pretraining",
    "claim-context",
)

_KAPLAN = {
    "source": "Kaplan et al. 2020",
    "title": "Scaling Laws for Neural Language Models",
    "url": "https://arxiv.org/abs/2001.08361",
}
_VASWANI = {
    "source": "Vaswani et al. 2017",
    "title": "Attention Is All You Need",
    "url": "https://arxiv.org/abs/1706.03762",
}
_HAVIV = {
    "source": "Haviv et al. 2022",
    "title": "Transformer Language Models without Positional Encodings Still Learn "
    "Positional Information",
    "url": "https://arxiv.org/abs/2203.16634",
}
_KHANDELWAL = {
    "source": "Khandelwal et al. 2018",
    "title": "Sharp Nearby, Fuzzy Far Away: How Neural Language Models Use Context",
    "url": "https://arxiv.org/abs/1805.04623",
}
_MAMBA = {
    "source": "Gu & Dao 2023",
    "title": "Mamba: Linear-Time Sequence Modeling with Selective State Spaces",
    "url": "https://arxiv.org/abs/2312.00752",
}
_RWKV = {
    "source": "Peng et al. 2023",
    "title": "RWKV: Reinventing RNNs for the Transformer Era",
    "url": "https://arxiv.org/abs/2305.13048",
}
_XLSTM = {
    "source": "Beck et al. 2024",
    "title": "xLSTM: Extended Long Short-Term Memory",
    "url": "https://arxiv.org/abs/2405.04517",
}
_FENG = {
    "source": "Feng et al. 2024",
    "title": "Were RNNs All We Needed?",
    "url": "https://arxiv.org/abs/2410.01201",
}
_DELETANG = {
    "source": "Delétang et al. 2023",
    "title": "Neural Networks and the Chomsky Hierarchy",
    "url": "https://arxiv.org/abs/2207.02098",
}
_ULMFIT = {
    "source": "Howard & Ruder 2018",
    "title": "Universal Language Model Fine-tuning for Text Classification",
    "url": "https://arxiv.org/abs/1801.06146",
}
_RADFORD = {
    "source": "Radford et al. 2018",
    "title": "Improving Language Understanding by Generative Pre-Training",
    "url": "https://cdn.openai.com/research-covers/language-unsupervised/"
    "language_understanding_paper.pdf",
}
_DEVLIN = {
    "source": "Devlin et al. 2019",
    "title": "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    "url": "https://arxiv.org/abs/1810.04805",
}
_ELMO = {
    "source": "Peters et al. 2018a",
    "title": "Deep Contextualized Word Representations",
    "url": "https://arxiv.org/abs/1802.05365",
}
_DISSECTING = {
    "source": "Peters et al. 2018b",
    "title": "Dissecting Contextual Word Embeddings: Architecture and Representation",
    "url": "https://arxiv.org/abs/1808.08949",
}
_EZEN_CAN = {
    "source": "Ezen-Can 2020",
    "title": "A Comparison of LSTM and BERT for Small Corpus",
    "url": "https://arxiv.org/abs/2009.05451",
}

_KAPLAN_SCALE = (
    "Transformers and 1-, 2- and 4-layer LSTMs, about 1e5 to 1e9 non-embedding "
    "parameters, trained on WebText2 with a 1024-token context"
)
_KAPLAN_CHECKED = (
    "full-text copy of the ar5iv render of 2001.08361 (§3.2.1 text; Fig. 7 has no "
    "caption) and transcriptions of the two panel titles of Fig. 7"
)
_MAMBA_FIG4_SCALE = (
    "about 125M to 1.3B parameters, trained on the Pile at sequence lengths 2048 and "
    "8192, against Transformer, Transformer++, RWKV, RetNet, H3++ and Hyena"
)
_MAMBA_FIG4_CHECKED = (
    "Fig. 4 caption and §4.2.1 text in full-text copies of 2312.00752 (GitHub-indexed "
    "PDF extractions)"
)
_HAVIV_CHECKED = (
    "Tables 1-4 transcribed in two independent summaries of 2203.16634 that quote its "
    "captions; abstract on ar5iv and the ACL Anthology"
)
_XLSTM_CHECKED = "§4.2 text, Table 1 and Table 2 in a full-text copy of 2405.04517 (GitHub-indexed)"

PUBLISHED: dict[str, list[dict]] = {
    "claim-speed": [
        {
            **_VASWANI,
            "where": "Table 1",
            "scale": "analytic, per layer, for sequence length n and width d (no experiment)",
            "finding": "Per layer, self-attention needs O(1) sequential operations where a "
            "recurrent layer needs O(n), at O(n²·d) against O(n·d²) total work, so "
            "attention is also cheaper only while n stays below d.",
            "bearing": "supports",
            "checked": "Table 1 and §4 text in several full-text copies of 1706.03762 "
            "(GitHub-indexed transcriptions)",
        },
        {
            **_FENG,
            "where": "Abstract (arXiv v1)",
            "scale": "minLSTM and minGRU against LSTM and GRU, small-scale experiments; "
            "training speed quoted at sequence length 512",
            "finding": "Once the gates stop reading the previous hidden state, LSTM and GRU "
            "variants train with a parallel scan, and the authors report a 175× speed-up "
            "over the sequential recurrence at length 512.",
            "bearing": "mixed",
            "checked": "v1 abstract of 2410.01201 as copied by gwern.net and chatpaper; the "
            "number of the runtime figure was not verified, so no figure is cited",
        },
        {
            **_MAMBA,
            "where": "Fig. 8 (left)",
            "scale": "selective-scan kernel against FlashAttention-2 and a plain PyTorch "
            "scan over a range of sequence lengths, on an A100 80GB",
            "finding": "The hardware-aware scan of a selective state-space recurrence ran "
            "faster than FlashAttention-2 beyond 2K tokens and 20-40 times faster than a "
            "standard PyTorch scan.",
            "bearing": "contradicts",
            "checked": "Fig. 8 caption and §4.5 text in full-text copies of 2312.00752",
        },
    ],
    "claim-longrange": [
        {
            **_VASWANI,
            "where": "Table 1",
            "scale": "analytic, per layer, for sequence length n (no experiment)",
            "finding": "The longest path between two positions is O(1) through "
            "self-attention and O(n) through a recurrent layer, and the authors argue "
            "shorter paths make long-range dependencies easier to learn.",
            "bearing": "supports",
            "checked": "Table 1 and §4 text in full-text copies of 1706.03762",
        },
        {
            **_KHANDELWAL,
            "where": "Fig. 1",
            "scale": "3-layer LSTM language models on Penn Treebank and WikiText-2, "
            "averaged over three seeds",
            "finding": "Shortening the context of an LSTM language model stopped costing "
            "loss beyond about 200 tokens, and the model told apart mainly the most "
            "recent 50 or so tokens.",
            "bearing": "supports",
            "checked": "abstract on the ACL Anthology (P18-1027) and the appendix captions "
            "(Fig. 10 complements Figs. 1b and 1d) in a GitHub-indexed transcription",
        },
        {
            **_MAMBA,
            "where": "Table 2",
            "scale": "induction-heads task, trained at 256 tokens and tested from 64 up "
            "to 2^20 = 1,048,576 tokens; attention baselines tested only to 16,384",
            "finding": "A selective state-space recurrence trained at 256 tokens still "
            "solved induction-head recall at 2^20 tokens, about 4000 times longer, "
            "beyond the 16,384 tokens where memory stopped the attention models.",
            "bearing": "contradicts",
            "checked": "Table 2 caption and §4.1.2 text in full-text copies of 2312.00752",
        },
    ],
    "claim-scaling": [
        {
            **_KAPLAN,
            "where": "Fig. 7 (left)",
            "scale": _KAPLAN_SCALE,
            "finding": "At equal non-embedding parameters LSTMs trail Transformers in test "
            "loss and the gap widens with size, which the authors put down to the "
            "Transformers' better use of long contexts.",
            "bearing": "supports",
            "checked": _KAPLAN_CHECKED,
        },
        {
            **_XLSTM,
            "where": "Table 2 (top)",
            "scale": "GPT-3-350M-sized configurations (24 blocks, width 1024), 15B tokens "
            "of SlimPajama",
            "finding": "A vanilla multi-layer LSTM of about 608M parameters ended at "
            "validation perplexity 2417.86, and residual and up-projection backbones only "
            "brought it to 26.01, against 14.25 for Table 1's 407M Llama.",
            "bearing": "supports",
            "checked": _XLSTM_CHECKED,
        },
        {
            **_XLSTM,
            "where": "Table 1",
            "scale": "356M to 456M parameters (GPT-3-350M-sized), 15B tokens of SlimPajama",
            "finding": "At about 400M parameters the LSTM-derived xLSTM[1:0] reached "
            "validation perplexity 13.43, below Mamba at 13.70 and the GPT-3 and Llama "
            "Transformers at 14.26 and 14.25.",
            "bearing": "contradicts",
            "checked": _XLSTM_CHECKED,
        },
        {
            **_MAMBA,
            "where": "Fig. 4",
            "scale": _MAMBA_FIG4_SCALE,
            "finding": "From about 125M to 1.3B parameters a selective state-space "
            "recurrence tracked the strong Transformer++ recipe and was the first "
            "attention-free model shown to match it.",
            "bearing": "contradicts",
            "checked": _MAMBA_FIG4_CHECKED,
        },
        {
            **_RWKV,
            "where": "Fig. 4",
            "scale": "45 RWKV models over pairs of data set size and parameters, the Pile; "
            "released models 169M to 14B trained on 330B tokens with a 1024-token context",
            "finding": "Loss against compute for 45 RWKV models followed the log-log "
            "scaling form known for Transformers, with r² = 0.994 for the Pareto-optimal "
            "fit, but no Transformer was fitted beside it.",
            "bearing": "mixed",
            "checked": "§4 and §4.2 text, Table 2 and the Fig. 4 caption in a full-text copy "
            "of 2305.13048 (GitHub-indexed)",
        },
        {
            "source": "Tay et al. 2022",
            "title": "Scaling Laws vs Model Architectures: How does Inductive Bias "
            "Influence Scaling?",
            "url": "https://arxiv.org/abs/2207.10551",
            "where": "Abstract",
            "scale": "ten architectures (Transformer variants, efficient attention, "
            "convolutions, MLP-Mixer; no recurrent network), 15M to 40B parameters, "
            "encoder-decoder pretraining on C4",
            "finding": "Which architecture was best changed with scale, so a ranking "
            "measured at one size need not hold at another; no recurrent network was "
            "compared.",
            "bearing": "not tested",
            "checked": "abstract on arXiv 2207.10551 and OpenReview (EMNLP 2023 Findings), "
            "the setup as summarised from its §3",
        },
    ],
    "claim-training": [
        {
            **_VASWANI,
            "where": "Table 2",
            "scale": "WMT 2014 English-German (4.5M sentence pairs) and English-French "
            "(36M), newstest2014, trained on 8 P100 GPUs",
            "finding": "The base Transformer scored 27.3 BLEU on English-German for about "
            "3.3e18 training FLOPs, while the LSTM-based GNMT+RL reached 24.6 with "
            "2.3e19, about seven times the compute.",
            "bearing": "supports",
            "checked": "Table 2 in several full-text copies of 1706.03762",
        },
        {
            **_MAMBA,
            "where": "Fig. 4",
            "scale": _MAMBA_FIG4_SCALE,
            "finding": "Plotted as perplexity against training FLOPs, the selective "
            "state-space recurrence matched Transformer++ from about 125M to 1.3B "
            "parameters, so at equal compute it did not learn more slowly.",
            "bearing": "contradicts",
            "checked": _MAMBA_FIG4_CHECKED + "; FLOPs on the x-axis from a transcription",
        },
    ],
    "claim-order": [
        {
            **_VASWANI,
            "where": "Table 3 row (E)",
            "scale": "Transformer base (65M parameters), WMT 2014 English-German, "
            "newstest2013 development set",
            "finding": "Learned position embeddings in place of sinusoids left dev "
            "perplexity at 4.92 and moved BLEU only from 25.8 to 25.7, so the form of "
            "positions mattered little; no model without positions was tried.",
            "bearing": "not tested",
            "checked": "Table 3 and §6.2 text in several full-text copies of 1706.03762",
        },
        {
            **_HAVIV,
            "where": "Table 1",
            "scale": "causal LMs: 247M parameters on WikiText-103 with 512-token inputs; "
            "1.3B (GPT-3 XL shape) on a subset of the Pile with 1024-token inputs",
            "finding": "Causal Transformer language models with no positional encoding "
            "reached perplexity 13.10 against 13.05 with learned positions on the Pile, "
            "and 20.97 against 20.42 on WikiText-103.",
            "bearing": "contradicts",
            "checked": _HAVIV_CHECKED,
        },
        {
            **_HAVIV,
            "where": "Table 4",
            "scale": "RoBERTa-large masked language model, 128-token sequences, the Pile",
            "finding": "Without positions a bidirectional masked language model failed, "
            "ending at perplexity 147.18 against 4.06 with learned positions, which "
            "points to the causal mask as the source of order.",
            "bearing": "supports",
            "checked": _HAVIV_CHECKED,
        },
        {
            **_KHANDELWAL,
            "where": "Fig. 2b",
            "scale": "3-layer LSTM language model on WikiText-2 (Penn Treebank in Fig. 8), "
            "300-token contexts, three seeds",
            "finding": "Shuffling or reversing the words of an LSTM's context raised loss "
            "sharply near the predicted word but not at all beyond about 50 tokens, so "
            "its built-in order is used only locally.",
            "bearing": "mixed",
            "checked": "abstract on the ACL Anthology and the Fig. 8 caption (complement of "
            "Fig. 2b) in a GitHub-indexed transcription of the appendix",
        },
    ],
    "claim-streaming": [
        {
            **_RWKV,
            "where": "Table 1",
            "scale": "analytic inference cost for sequence length T and width d; models "
            "169M to 14B parameters trained on 330B tokens of the Pile",
            "finding": "Generating a sequence costs RWKV O(T·d) time and O(d) memory, "
            "against O(T²·d) time and O(T² + T·d) memory for a standard Transformer.",
            "bearing": "supports",
            "checked": "Table 1 in two full-text copies of 2305.13048",
        },
        {
            **_RWKV,
            "where": "Fig. 7",
            "scale": "inference benchmarks of §6: float32, Hugging Face Transformers, CPU "
            "and A100 80GB; 3B-class models, up to 1000 generated tokens",
            "finding": "Cumulative generation time grew linearly with the number of tokens "
            "for RWKV but faster than linearly for the Transformer LLMs it was timed "
            "against.",
            "bearing": "supports",
            "checked": "§6 text and the Fig. 7 caption in a full-text copy of 2305.13048; "
            "model sizes and axis range from a transcription of the figure",
        },
        {
            **_MAMBA,
            "where": "Fig. 8 (right)",
            "scale": "Mamba 1.4B and an untrained 6.9B against GPT-3-style Transformers of "
            "1.3B and 6.7B (Hugging Face), prompt 2048, 128 generated tokens, A100 80GB",
            "finding": "Without a growing key-value cache the recurrent model could run "
            "larger batches and generated tokens with 4-5 times the throughput of a "
            "Transformer of similar size.",
            "bearing": "supports",
            "checked": "Fig. 8 caption, §4.5 and Appendix E.5 text in full-text copies of "
            "2312.00752",
        },
    ],
    "claim-lowdata": [
        {
            **_EZEN_CAN,
            "where": "Abstract",
            "scale": "one small intent-classification data set collected for chatbots; "
            "a bidirectional LSTM against a fine-tuned pre-trained BERT",
            "finding": "On a small intent-classification data set a simple bidirectional "
            "LSTM scored significantly higher than fine-tuned BERT and trained in much "
            "less time, in a single-data-set study.",
            "bearing": "supports",
            "checked": "arXiv abstract page of 2009.05451; the paper's tables were not "
            "available, so no numbers are given",
        },
        {
            **_ULMFIT,
            "where": "Fig. 3",
            "scale": "AWD-LSTM language model pre-trained on WikiText-103, fine-tuned on "
            "IMDb, TREC-6 and AG with 100 labelled examples upward",
            "finding": "With 100 labels a fine-tuned pre-trained LSTM matched training from "
            "scratch on 10 times (IMDb) and 20 times (AG) more labels, but no Transformer "
            "was compared, so recurrence itself is not tested.",
            "bearing": "not tested",
            "checked": "§5 'Low-shot learning' text and the Fig. 3 caption in a full-text "
            "copy of 1801.06146 (GitHub-indexed)",
        },
    ],
    "claim-simplicity": [
        {
            **_DELETANG,
            "where": "Abstract",
            "scale": "20,910 models on 15 sequence tasks grouped by the Chomsky hierarchy; "
            "RNN, LSTM, Transformer and memory-augmented networks; length generalization",
            "finding": "Closest test: LSTMs length-generalized on regular and counter tasks "
            "where Transformers failed, but the study compares generalization, not the "
            "smallest model that solves a task.",
            "bearing": "not tested",
            "checked": "abstract of 2207.02098 (ar5iv v1 and the ICLR 2023 text); the "
            "number of the results table was not verified, so none is cited",
        },
        {
            **_XLSTM,
            "where": "Fig. 4",
            "scale": "2-block models of each kind (xLSTM variants, Llama, Mamba, RWKV, "
            "Retention, Hyena, LSTM) on formal-language tasks from Delétang et al.",
            "finding": "At the same small size of two blocks, Transformers and state-space "
            "models without memory mixing could not solve regular tasks such as parity, "
            "which recurrent memory mixing made solvable.",
            "bearing": "supports",
            "checked": "§4.1 text and the Fig. 4 caption in a full-text copy of 2405.04517",
        },
    ],
    "claim-pretraining": [
        {
            **_RADFORD,
            "where": "Table 5",
            "scale": "12-layer decoder-only Transformer (width 768, 12 heads) and a "
            "single-layer 2048-unit LSTM in the same framework: language-model "
            "pretraining on BooksCorpus (over 7,000 unpublished books), then fine-tuning "
            "on eight GLUE tasks",
            "finding": "In one framework the pretrained Transformer averaged 74.7, the same "
            "Transformer without pretraining 59.9 and a pretrained one-layer LSTM 69.1; "
            "no LSTM was trained without pretraining, so its own gain is unmeasured.",
            "bearing": "supports",
            "checked": "Table 5 and the §5 ablation text in several GitHub-indexed "
            "transcriptions of the report (English text beside Chinese, Spanish and "
            "Arabic translations); the report has no arXiv id, so the url is OpenAI's PDF",
        },
        {
            **_DISSECTING,
            "where": "Abstract",
            "scale": "bidirectional language models (biLMs) built from LSTM, Transformer "
            "(self-attention) or gated-CNN layers, their representations fed to models "
            "for four NLP tasks and compared with word embeddings",
            "finding": "Pretrained as biLMs in one framework, LSTM, Transformer and "
            "gated-CNN networks all gave representations that beat word embeddings on "
            "four tasks, trading speed against accuracy; the abstract ranks no "
            "architecture's gain above the others.",
            "bearing": "mixed",
            "checked": "abstract of 1808.08949 in several copies (Papers with Code, the "
            "AI2 paper reader, GitHub-indexed notes); the results tables were not "
            "available, so no numbers are given; notes of an author's talk (a "
            "GitHub-indexed blog post) call the LSTM and Transformer numbers essentially "
            "the same, which was not checked against the paper",
        },
        {
            **_DEVLIN,
            "where": "Table 1",
            "scale": "BERT base (110M parameters, GPT's size) and large (340M), pretrained "
            "on BooksCorpus (800M words) and English Wikipedia (2,500M words), against "
            "OpenAI GPT and BiLSTM+ELMo+Attn; eight GLUE tasks, test server, WNLI left out",
            "finding": "On GLUE test, pretrained Transformers averaged 75.1 (GPT), 79.6 and "
            "82.1 (BERT base, large) against 71.0 for BiLSTM+ELMo+Attn, which beat GPT on "
            "MRPC and RTE; no row isolates what pretraining itself added.",
            "bearing": "mixed",
            "checked": "Table 1 and its caption in several full-text copies of 1810.04805 "
            "(GitHub-indexed, one an OCR of the PDF); model sizes from §3 in transcriptions",
        },
        {
            **_ELMO,
            "where": "Table 1",
            "scale": "biLM of two biLSTM layers (4096 units, 512-dimensional projections) "
            "over character convolutions, trained on the 1B Word Benchmark; its frozen "
            "layers added to task models for SQuAD, SNLI, SRL, coreference, NER and SST-5",
            "finding": "Adding a pretrained biLSTM language model's representations to six "
            "task models cut relative error by 5.8% (SNLI) to 24.9% (SQuAD, F1 81.1 to "
            "85.8), so pretraining an LSTM paid off; no Transformer was compared.",
            "bearing": "not tested",
            "checked": "Table 1 and the §3 and §4 text in several GitHub-indexed "
            "transcriptions of 1802.05365, one quoting the table with its ± values",
        },
        {
            **_ULMFIT,
            "where": "Table 4",
            "scale": "AWD-LSTM language model pretrained on WikiText-103 against the same "
            "model without it, fine-tuned as a classifier; validation splits (10% of the "
            "training data) of IMDb, TREC-6 and AG",
            "finding": "Pretraining on WikiText-103 cut the LSTM classifier's validation "
            "error from 10.67% to 5.69% on TREC-6, 5.63% to 5.00% on IMDb and 5.52% to "
            "5.38% on AG, with no Transformer compared.",
            "bearing": "not tested",
            "checked": "Table 4 and the §5 'Impact of pretraining' text in a full-text copy "
            "of 1801.06146 (GitHub-indexed)",
        },
    ],
    "claim-context": [
        {
            **_KAPLAN,
            "where": "Fig. 7 (right)",
            "scale": _KAPLAN_SCALE,
            "finding": "Per-token test loss of LSTMs stopped falling after fewer than 100 "
            "tokens of the 1024-token context, while Transformers kept improving through "
            "the whole context.",
            "bearing": "supports",
            "checked": _KAPLAN_CHECKED,
        },
        {
            **_RWKV,
            "where": "Fig. 6",
            "scale": "RWKV fine-tuned from 1024 to 2048 (10B tokens), 4096 (100B) and "
            "8192 tokens (100B) of the Pile",
            "finding": "Fine-tuned on ever longer contexts up to 8192 tokens, RWKV's mean "
            "test loss on the Pile kept falling with context length, so this recurrent "
            "model did use distant context.",
            "bearing": "contradicts",
            "checked": "§5.2 text and the Fig. 6 caption in a full-text copy of 2305.13048",
        },
    ],
}

__all__ = ["BEARINGS", "PUBLISHED", "SECTIONS", "published"]


def published(section: str) -> list[dict]:
    """The published results that bear on one ledger section, e.g.
    ``published("claim-scaling")``: a list of entry dicts (empty for a known section
    with none). An unknown section id raises ``ValueError`` naming the known ones."""
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}; known sections: {', '.join(SECTIONS)}")
    return list(PUBLISHED.get(section, []))
