"""Chapter 12's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "12. Tokens: from characters to subwords"

QUESTIONS = (
    Number(
        "A BPE language model's mean loss on a held-out text is 2.4 nats per token, and "
        "its tokens cover 3.0 characters each on average. What is its bits per character? "
        "Give two decimals.",
        answer=1.1542,
        tolerance=0.01,
        right="Per character the cost is 2.4 / 3.0 = 0.8 nats, and 0.8 / ln 2 ≈ 1.15 bits. "
        "That is the number to set beside a character model's, never the 2.4 nats per "
        "token.",
        wrong="Share each token's loss among the characters it covers (divide by 3.0), then "
        "turn nats into bits (divide by ln 2 ≈ 0.693): 2.4 / 3.0 / 0.693 ≈ 1.15.",
    ),
    Pick(
        "With BPE a token covers c characters on average. Reading the same text, by what "
        "factor do an LSTM's sequential steps and one attention head's query–key scores "
        "change, compared with characters?",
        (
            Choice(
                "Both fall by the factor c.",
                "The steps do, one per token; but attention scores every pair of tokens, "
                "so with c times fewer tokens it computes c² times fewer scores.",
            ),
            Choice(
                "The steps fall by c, the scores by c².",
                "L tokens become L / c, so an RNN takes L / c steps and attention "
                "computes (L / c)² = L² / c² scores. The saving is paid for in the embedding "
                "and output layer, which grow with the vocabulary.",
            ),
            Choice(
                "The steps fall by c², the scores by c.",
                "That swaps the two: an RNN's steps are counted once per token, attention's "
                "scores once per pair of tokens.",
            ),
            Choice(
                "Neither changes: the same text holds the same information.",
                "The information is the same, but the costs are counted in tokens, and "
                "there are c times fewer of them.",
            ),
        ),
        answer=1,
    ),
    Pick(
        "The BPE tokenizer trained on the Python reference meets “東”, a character that "
        "never occurs in its training text. What happens?",
        (
            Choice(
                "It is mapped to a single “unknown” id, and decoding gives back a placeholder.",
                "That is what a character vocabulary with an unknown id does, and it loses "
                "the character. BPE's base tokens include all 256 byte values, so nothing "
                "is unknown.",
            ),
            Choice(
                "Encoding raises an error, as chapter 1's `CharVocab` did.",
                "The byte fallback is there so that no input is refused; BPE refuses only "
                "an empty string or something that is not a string.",
            ),
            Choice(
                "A new merge is learned for it on the fly.",
                "Merges are learned once, from the training text; encoding only replays "
                "them in the order they were learned.",
            ),
            Choice(
                "It is written as its UTF-8 bytes, each one of the 256 byte ids, and "
                "decoding joins them back into the same character.",
                "The byte fallback makes the round trip exact for any Python string; "
                "“東” takes 3 bytes in UTF-8, so it costs 3 tokens.",
            ),
        ),
        answer=3,
    ),
    Pick(
        "Both tokenizers get the same budget: 200 steps of 16 windows of 64 tokens. "
        "Suppose the BPE model reaches the lower bits per character, with intervals apart. "
        "What can this experiment not tell you?",
        (
            Choice(
                "Whether the gain comes from reading more text in the same steps or from "
                "the different prediction problem (fewer, harder predictions).",
                "At equal steps a BPE model reads about c times more characters, and "
                "both changes come at once. Training the character model until it has read "
                "as many characters would separate them.",
            ),
            Choice(
                "Whether the two scores are comparable at all, since the models read "
                "different tokens.",
                "They are comparable: bits per character sums the loss over the same "
                "held-out text and divides by its characters, whatever the tokenizer.",
            ),
            Choice(
                "Whether the difference is larger than the noise between seeds.",
                "That is what the intervals over three seeds are for; intervals that do "
                "not overlap answer it, for this budget.",
            ),
            Choice(
                "Whether the BPE model has more parameters.",
                "That is known and reported: its embedding and output layer have a row per "
                "id, so the larger vocabulary adds parameters there.",
            ),
        ),
        answer=0,
    ),
)
