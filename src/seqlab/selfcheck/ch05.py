"""Chapter 5's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "5. Attention for RNNs"

QUESTIONS = (
    Number(
        "Dot attention with the query (0, 1) over the keys (2, 0), (0, 3) and (1, 1), where "
        "the third key is padding and masked. What weight does the second key get? Give "
        "three decimals.",
        answer=0.953,
        tolerance=0.001,
        right="The scores are 0, 3 and (masked) −∞, so the weights are 1 / (1 + e³), "
        "e³ / (1 + e³) ≈ 0.953 and exactly 0.",
        wrong="Score each key by its dot product with the query: 0, 3, and −∞ for the masked "
        "one (not its dot product 1, which would give 0.844). Then the softmax: "
        "e³ / (e⁰ + e³).",
    ),
    Pick(
        "Under teacher forcing, the chapter's Luong decoder (without input feeding) runs its "
        "recurrence over all steps in one call, while Bahdanau's must go one step at a time. "
        "Why?",
        (
            Choice(
                "Additive scoring costs more than a dot product, and that cost is the whole "
                "difference.",
                "The scoring cost differs, but it does not decide what can run at once; the "
                "order of dependencies does, and it would stay with a cheap score.",
            ),
            Choice(
                "Bahdanau's encoder must finish reading the source before the decoder starts.",
                "Every model here encodes the whole source first, Luong's included; that "
                "does not stop a decoder from running all its steps at once.",
            ),
            Choice(
                "Luong's context joins only the output, so the decoder states depend only on "
                "the known previous tokens; Bahdanau's context is an input of step t and "
                "needs s_(t−1), so each step waits for the one before.",
                "With the true previous tokens given, Luong's GRU can run over all "
                "steps and attention then runs for all steps in one batched product; "
                "Bahdanau's recurrence cannot start step t before attention at t is done.",
            ),
        ),
        answer=2,
    ),
    Pick(
        "The copy comparison gives Luong's model a hidden size chosen by "
        "`matched_hidden_size`, so that both models have about the same number of "
        "parameters. What does that rule out?",
        (
            Choice(
                "That the model with attention does better only because it has more weights "
                "to store the string in.",
                "With sizes matched, a gap between the curves comes from where the "
                "information can flow, not from capacity.",
            ),
            Choice(
                "That the gap between the curves is luck of the seed.",
                "Matching sizes says nothing about seed-to-seed variation; that is what "
                "three seeds, and the range plotted around each mean, are for.",
            ),
            Choice(
                "That one model trains faster than the other, which would make an equal "
                "number of steps unfair.",
                "Equal parameter counts do not give equal time: attention adds S · T scores "
                "per sequence, and the chapter measures the cost per step separately.",
            ),
        ),
        answer=0,
    ),
    Pick(
        "In the field measurement, part of an output field's attention lands on “other” "
        "input characters, such as the space just after the field. Does that mean the "
        "model ignores the field's own characters there?",
        (
            Choice(
                "Yes: the weight on a space carries only the information of the space.",
                "An attention weight selects an encoder state, not a character. The state at "
                "position j summarises everything read up to j.",
            ),
            Choice(
                "No: the encoder reads left to right, so its state at a separator just after "
                "a field already holds that field, and attending there retrieves it.",
                "This is why shares on “other” do not contradict the alignment; a "
                "bidirectional encoder changes what each state summarises.",
            ),
            Choice(
                "No: the weights on “other” are weights on padding, which the measurement "
                "cannot separate out.",
                "Padding gets a weight of exactly zero, and the measurement only counts the "
                "columns of the source's own characters.",
            ),
            Choice(
                "Yes: the model was told where the fields are and chose to look elsewhere.",
                "Nobody told the model where the fields are; the alignment is learnt from "
                "input–output pairs alone.",
            ),
        ),
        answer=1,
    ),
    Number(
        "Greedy decoding with attention turns “saturday 3rd of march 2001” (26 "
        "characters) into “2001-03-03” and then `<eos>`. How many attention scores "
        "(query–key pairs) does the decoder compute for this example?",
        answer=286,
        tolerance=0.5,
        right="One row of weights per output step, 10 characters and `<eos>`, each over the "
        "26 source positions: 11 × 26 = 286. The cost grows as S · T.",
        wrong="Each decoder step scores every source position: count the output steps (the "
        "10 characters and the `<eos>` step) and multiply by the 26 source characters.",
    ),
)
