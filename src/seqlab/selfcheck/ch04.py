"""Chapter 4's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "4. Encoder–decoder and the bottleneck"

QUESTIONS = (
    Pick(
        "Teacher forcing feeds the decoder `tgt_in` (`<bos>` and the target) and scores "
        "every step against `y` (the target and `<eos>`) in one cross-entropy. What does "
        "this training give up?",
        (
            Choice(
                "It lets the decoder see the token it must predict, so the loss is too easy.",
                "At step t the decoder reads `tgt_in[t]`, the true previous token, and must "
                "predict `y[t]`, the next one; the shift by one keeps the answer out of its "
                "input.",
            ),
            Choice(
                "Practice with its own outputs: in training it always reads the true "
                "previous token, so at test time an early mistake of its own puts it in "
                "states it never trained on.",
                "Greedy decoding feeds back the model's own choices; teacher forcing "
                "never does, so the model never learnt to recover from an error.",
            ),
            Choice(
                "Batches with targets of different lengths, which it cannot pad.",
                "Targets are padded like sources, and the loss ignores the padded positions "
                "through the mask; teacher forcing works on padded batches.",
            ),
        ),
        answer=1,
    ),
    Number(
        "Beam search, width 2. The two beams have running log-probabilities −0.1 (beam 0) "
        "and −1.0 (beam 1). Beam 0's next-token probabilities are 0.35, 0.25 and 0.40; beam "
        "1's are 0.90, 0.05 and 0.05. What is the running score (a log-probability, so "
        "negative) of the second-best survivor? Give three decimals.",
        answer=-1.105,
        tolerance=0.002,
        right="The best candidates are beam 0 + token 2 (−0.1 + ln 0.40 ≈ −1.016), beam 1 + "
        "token 0 (−1.0 + ln 0.90 ≈ −1.105) and beam 0 + token 0 (−0.1 + ln 0.35 ≈ −1.150). "
        "The survivors are the best two of all six candidates, whichever beam they extend.",
        wrong="Add each beam's running score to the logarithm of each of its next-token "
        "probabilities, then rank all K · V = 6 candidates together (not the best of each "
        "beam separately) and take the second.",
    ),
    Pick(
        "The encoder carries its state unchanged over padded steps. Suppose instead it ran "
        "the GRU over the `<pad>` tokens like any others. What would go wrong?",
        (
            Choice(
                "Nothing, as long as the loss ignores padded target positions.",
                "The loss mask is the other rule, on the target side. It cannot undo a "
                "context vector c that was changed by the padding on the source side.",
            ),
            Choice(
                "Nothing, because `<pad>` has id 0 and so adds nothing to the state.",
                "A GRU step changes the state even for a zero input, through W_hh h and its "
                "biases; an id of 0 is just a row of the embedding, not a zero effect.",
            ),
            Choice(
                "The decoder would attend to the padded positions.",
                "This chapter's decoder does not attend at all: it sees the source only "
                "through c. The damage is to c itself.",
            ),
            Choice(
                "c would depend on how much padding the source got, that is, on the longest "
                "source in its batch, so the same date could be translated differently in "
                "different batches.",
                "With the state carried over padded steps, c is the state after the "
                "source's last real character, whatever else is in the batch.",
            ),
        ),
        answer=3,
    ),
    Pick(
        "The third variant of the bottleneck experiment trains 64 units to write the string "
        "reversed. Why might reversing help an encoder–decoder without attention?",
        (
            Choice(
                "The letters read last, freshest in c, are the first to be written, so the "
                "first output steps have short paths back to their inputs to learn from.",
                "In plain copying every output letter is about n steps (the whole "
                "string) away from the letter it copies; reversal makes the first outputs "
                "close to their inputs, easy to learn first.",
            ),
            Choice(
                "A reversed string holds less information, so it fits in a smaller vector.",
                "Reversal is a permutation: the reversed string holds exactly the same "
                "letters and the same information.",
            ),
            Choice(
                "The decoder can then write the letters in any order.",
                "Exact match still needs every letter in one fixed order, the reverse of the "
                "input's; nothing becomes order-free.",
            ),
        ),
        answer=0,
    ),
    Pick(
        "Beam search finds outputs that are more likely under the model. Why can a wider "
        "beam leave exact match on dates almost unchanged?",
        (
            Choice(
                "A width of 8 already searches every possible output, so wider beams cannot "
                "add anything.",
                "Exhaustive search needs a width as large as the number of possible outputs, "
                "far more than 8 for dates; width 8 still prunes.",
            ),
            Choice(
                "Beam search prefers longer outputs, which are wrong more often.",
                "Each token adds a negative log-probability, so a wide beam tends to favour "
                "shorter outputs, the reason for `length_penalty=`.",
            ),
            Choice(
                "Where the model is confident at every step, greedy decoding already finds "
                "the most likely output; and where it is confidently wrong, the most likely "
                "output is itself wrong.",
                "A beam changes the answer only where the model hesitates and the "
                "runner-up pays off later; more likely under the model is not the same as "
                "correct.",
            ),
        ),
        answer=2,
    ),
)
