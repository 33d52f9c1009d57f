"""Chapter 7's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "7. Multi-head attention"

QUESTIONS = (
    Number(
        "How many parameters has `nn.MultiheadAttention(128, 8)`, biases included "
        "(width 128, 8 heads)?",
        answer=66048,
        tolerance=0.5,
        right="W_Q, W_K, W_V and W_O are four 128 × 128 matrices, plus four bias vectors of "
        "128: 4 · 128² + 4 · 128 = 66,048, the same with 1, 2, 4 or 8 heads.",
        wrong="The heads split the width instead of adding to it: the eight W_Q^(i) of size "
        "128 × 16 together form one 128 × 128 matrix. Count four 128 × 128 matrices "
        "(queries, keys, values, output) and four bias vectors of 128.",
    ),
    Pick(
        "Splitting into heads turns `x` of shape `(B, L, d)` into `(B, h, L, d/h)`. Why is "
        "`x.reshape(B, h, L, d // h)` alone wrong, while `x.reshape(B, L, h, d // h)` "
        "followed by `.transpose(1, 2)` is right?",
        (
            Choice(
                "Both give the same tensor; the single reshape is only slower.",
                "They do not give the same tensor: a reshape keeps the memory order, so the "
                "two produce different groupings of the numbers, and only one of them is "
                "the split into heads.",
            ),
            Choice(
                "The single reshape raises an error, because the sizes do not match.",
                "The sizes match (B · h · L · d/h = B · L · d), so it runs without "
                "complaint, which is what makes this mistake dangerous.",
            ),
            Choice(
                "The single reshape fills each head's block with consecutive numbers in "
                "memory, which run across several positions, so one row of a head mixes "
                "features of different positions.",
                "Head h must hold features h·d/h … (h+1)·d/h − 1 of every position. "
                "Reshaping the feature axis into (h, d/h) keeps each position's features "
                "together; the transpose then moves the heads before the positions.",
            ),
            Choice(
                "The single reshape puts the heads in reverse order but is otherwise "
                "equivalent, since the output matrix W_O can learn to undo the order.",
                "A permutation of whole heads could be absorbed by W_O, but this is not one: "
                "features of different positions end up in the same row, which no mixing "
                "of heads afterwards can undo.",
            ),
        ),
        answer=2,
    ),
    Pick(
        "In the trained recall model, a first-layer head puts on average 0.5 of the "
        "attention of the value at position 1 (counting from 0) on the key at position 0. "
        "What does that number show by itself?",
        (
            Choice(
                "Nothing yet: under the causal mask position 1 may read only positions 0 "
                "and 1, so attention spread evenly would give 1/2 to each.",
                "The uniform baseline at position t is 1/(t + 1), so a weight must be "
                "compared with that value at its own position. 0.5 at position 1 is what no "
                "preference at all would give.",
            ),
            Choice(
                "That the head is a previous-token head, since half its weight is on the "
                "previous position.",
                "A share of 1/2 is exactly chance at position 1; at a later position, say "
                "t = 15, the same 0.5 would be 8 times the uniform 1/16 and would be evidence.",
            ),
            Choice(
                "That half of the head's attention is wasted on the value itself.",
                "Attending to its own position is allowed and can be useful; and with two "
                "positions visible, a split of 1/2 and 1/2 is just what an even spread gives.",
            ),
            Choice(
                "That the causal mask is broken, since a correct mask would put all the "
                "weight on earlier positions.",
                "A causal mask allows position t to read positions 0 … t, itself included; "
                "it only hides the future, so weight on position 1 itself is expected.",
            ),
        ),
        answer=0,
    ),
    Pick(
        "The chapter compares models with 1, 2, 4 and 8 heads, all 64 wide. Why keep the "
        "width fixed?",
        (
            Choice(
                "So that each head has 64 dimensions to match keys with, whatever the "
                "number of heads.",
                "It is the other way round: the heads split the width, so with 8 heads each "
                "has only 64 / 8 = 8 dimensions, which is the trade-off the comparison "
                "exposes.",
            ),
            Choice(
                "So that every model has the same parameter count: only the number of "
                "separate softmaxes, and the dimensions each gets, changes.",
                "The heads' projections together are always d_model × d_model, so at "
                "a fixed width a difference in accuracy cannot be put down to size; more "
                "heads buys more attention patterns at the cost of narrower ones.",
            ),
            Choice(
                "Because the positional encoding only works at width 64.",
                "The positional encoding works at any width; the width is fixed to keep the "
                "models' size equal, not for the encoding's sake.",
            ),
            Choice(
                "To make the models with more heads train faster, so that all finish in the "
                "same number of steps.",
                "All models get the same number of steps by construction; fixing the width "
                "controls their size, not their speed, and says nothing about which learns "
                "faster.",
            ),
        ),
        answer=1,
    ),
)
