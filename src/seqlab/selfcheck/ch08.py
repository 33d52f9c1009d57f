"""Chapter 8's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "8. Order: positional encodings"

QUESTIONS = (
    Pick(
        "A Transformer encoder with no positional encoding reads “dog bites man” and "
        "“man bites dog”. What can be said of its outputs?",
        (
            Choice(
                "They differ, because the attention weights depend on the order in which "
                "the keys arrive.",
                "A score depends only on the query and the key, not on where the key is; "
                "the softmax over a shuffled set of keys gives the same average, so order "
                "changes nothing.",
            ),
            Choice(
                "Each word gets the same output vector in both sentences, only at a "
                "different place: the encoder is permutation-equivariant.",
                "That is f(πx) = πf(x). Attention averages over the same set of keys "
                "whatever the order, and the feed-forward block acts on each position "
                "alone, so nothing can tell the two sentences apart word by word.",
            ),
            Choice(
                "They are the same only for random weights; training on ordered text would "
                "teach the encoder word order.",
                "Equivariance holds for every value of the weights, trained or not: no "
                "training can make the encoder see an order its inputs do not carry.",
            ),
            Choice(
                "A causal decoder without positions would be just as blind to the order.",
                "Under a causal mask position t sees t + 1 tokens, so a decoder "
                "can infer where it is by counting; an encoder, whose positions all see the "
                "whole input, cannot.",
            ),
        ),
        answer=1,
    ),
    Number(
        "The tagger of the order tasks has width d_model = 32 and max_len = 64. How many "
        "parameters do learned positions add to it?",
        answer=2048,
        tolerance=0.5,
        right="One trainable vector of 32 numbers for each of the 64 positions: "
        "64 × 32 = 2,048. Sinusoidal and rotary positions add none: they are computed.",
        wrong="Learned positions are a table with one row per position up to max_len and "
        "one column per feature: 64 × 32. They are not per layer or per head.",
    ),
    Pick(
        "With rotary embeddings, a query q at position 10 and a key k at position 13 give "
        "the score s. For the same vectors q and k, which pair of positions is sure to give "
        "s as well?",
        (
            Choice(
                "Query at 13, key at 10.",
                "That is the offset −3, not +3: the score is q · R_(n−m) k, and rotating "
                "the other way gives a different score in general.",
            ),
            Choice(
                "Query at 20, key at 26.",
                "The positions doubled, and so did the offset (6 instead of 3); RoPE's score "
                "depends on the difference n − m, not on the ratio.",
            ),
            Choice(
                "Query at 100, key at 103.",
                "(R_m q) · (R_n k) = q · R_(n−m) k, because rotations compose by "
                "adding angles; only the offset n − m = 3 enters, not where the pair sits.",
            ),
            Choice(
                "None: every position has its own rotation, so no other pair is guaranteed "
                "to give the same score.",
                "Each position has its own rotation, but in a dot product of two rotated "
                "vectors only the difference of the angles remains, exactly.",
            ),
        ),
        answer=2,
    ),
    Pick(
        "The learned-position model has max_len = 64 but was trained only on strings of 8 "
        "to 16 symbols. What are its position vectors for positions 16 to 63 after "
        "training?",
        (
            Choice(
                "The random vectors they were initialised with: no training string reached "
                "those positions, so no gradient ever changed them.",
                "A table row is updated only when its position is used. It is one "
                "of the two effects the chapter names beyond the training lengths; the "
                "other, a softmax spread over more keys, holds for every encoding.",
            ),
            Choice(
                "Values interpolated from the trained positions 0 to 15.",
                "Each position's vector is a free parameter of its own; nothing ties row "
                "20 to rows 0 to 15, so no interpolation happens.",
            ),
            Choice(
                "The sinusoidal codes of those positions, used as a fallback.",
                "A learned table assumes nothing about positions; it has no sinusoidal "
                "fallback. Sinusoidal codes are a different encoding.",
            ),
            Choice(
                "There are none: seqlab drops the positions a model was not trained on.",
                "The table has all 64 rows; what seqlab refuses is an input longer than "
                "max_len, for which there is no row at all.",
            ),
        ),
        answer=0,
    ),
    Pick(
        "Suppose a rotary model, trained on strings of 8 to 16 symbols, is less accurate "
        "on previous token at length 64 than at length 16. Which explanation does not "
        "depend on the encoding at all?",
        (
            Choice(
                "Its rotation angles wrap around at long lengths, so far positions look "
                "like near ones.",
                "The score depends only on the offset, and previous token always needs the "
                "offset −1, whose rotation is the same at every position.",
            ),
            Choice(
                "Rotary codes end at max_len, like learned vectors.",
                "A rotation is computed for any position; and at length 64 no position "
                "exceeds max_len = 64 in any case.",
            ),
            Choice(
                "Rotary embeddings were never trained on positions beyond 16.",
                "Rotary embeddings have no trainable parameters: the rotation at position "
                "40 is as well defined as at position 4.",
            ),
            Choice(
                "A longer string gives each softmax more keys to spread over, so attention "
                "that was sharp at length 16 is diluted at 64.",
                "Even a perfectly relative rule competes with four times as many "
                "keys at length 64, and the share of weight on the right one falls unless "
                "the scores sharpen, which training at 8 to 16 never asked for.",
            ),
        ),
        answer=3,
    ),
)
