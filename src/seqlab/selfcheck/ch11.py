"""Chapter 11's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "11. Where the two families meet: linear attention as an RNN"

QUESTIONS = (
    Pick(
        "What lets causal linear attention run as a recurrence whose state does not grow "
        "with the context?",
        (
            Choice(
                "Dropping the 1/√d scale from the scores.",
                "The scale changes how peaked the weights are, not how they are computed; "
                "softmax attention with or without it still scores every pair.",
            ),
            Choice(
                "The causal mask, which hides the future positions.",
                "Causal softmax attention has the same mask and still keeps every past key "
                "and value: the mask decides which terms enter the sum, not whether the "
                "sum can be accumulated.",
            ),
            Choice(
                "Replacing exp(q · k / √d) by φ(q) · φ(k) separates the query from the keys, "
                "so S_t = Σ φ(k_s) v_sᵀ and z_t = Σ φ(k_s) can be summed before the "
                "query arrives.",
                "The exponential couples q_t and k_s inside one function, so every "
                "pair must be scored. With a product of features, the state (a d_k × d_v "
                "matrix and a vector) grows by adding one term per token, never in size.",
            ),
            Choice(
                "Keeping only the last C tokens, as in the chunked form.",
                "The chunked form keeps everything: it runs the parallel form inside blocks "
                "of C tokens and carries the state S between blocks, so it gives the same "
                "output as the other two forms.",
            ),
        ),
        answer=2,
    ),
    Pick(
        "A query equal to one of 64 stored keys is scaled by a growing factor c. What "
        "happens to linear attention's weight on the matching key, with φ(x) = elu(x) + 1?",
        (
            Choice(
                "It settles at a limit: for large c, φ(c q) grows in proportion to c, so "
                "every score grows in proportion and the normalised weights stop changing.",
                "This is algebra, not the sample. The softmax's exp(c q · k / √d) "
                "instead grows fastest for the best-matching key, so its weight can be made "
                "as peaked as one likes.",
            ),
            Choice(
                "It tends to 1, as the softmax's does.",
                "That needs the best key's score to grow faster than the others'; a product "
                "of positive features scales every score by the same factor c.",
            ),
            Choice(
                "It falls to the uniform 1/64.",
                "The limit is not uniform: it still depends on how the query's features "
                "overlap each key's. It simply stops sharpening as c grows.",
            ),
            Choice(
                "It grows without bound.",
                "Weights are normalised by z, so they stay between 0 and 1 and sum to 1, "
                "whatever the scale of the query.",
            ),
        ),
        answer=0,
    ),
    Pick(
        "minGRU updates h_t = (1 − z_t) ⊙ h_(t−1) + z_t ⊙ h̃_t. What does a unit with z_t "
        "near 1 do?",
        (
            Choice(
                "It copies its state forward unchanged.",
                "That is what z_t near 1 means in chapter 3's GRU, where z_t weighs the old "
                "state. minGRU follows its paper's convention: its z_t weighs the new "
                "candidate.",
            ),
            Choice(
                "It resets its state to zero.",
                "With z_t near 1 the state is replaced by the candidate h̃_t, which is not "
                "zero in general; minGRU has no separate reset gate.",
            ),
            Choice(
                "It ignores its input at this step.",
                "The candidate h̃_t = g(W_h x_t) is computed from the input, and with z_t "
                "near 1 it is almost all the new state holds.",
            ),
            Choice(
                "It overwrites its state with the new candidate h̃_t.",
                "With z_t near 1 it keeps almost nothing of h_(t−1). Same letter, opposite "
                "meaning: minGRU's 1 − z_t plays the role of chapter 3's z_t.",
            ),
        ),
        answer=3,
    ),
    Pick(
        "Why can minGRU be computed for all positions at once with a parallel scan, when "
        "chapter 3's GRU cannot?",
        (
            Choice(
                "minGRU has fewer parameters, so its loop is short enough to unroll.",
                "The number of parameters does not decide it: both loops are L steps long, "
                "and how h_t depends on h_(t−1) decides whether they must run in order.",
            ),
            Choice(
                "Its gate and candidate read only x_t, so h_t is linear in h_(t−1) with "
                "coefficients known in advance, and the closed form Σ (Π a_r) b_s can be "
                "computed with cumulative sums.",
                "In chapter 3's GRU the gates read h_(t−1), so step t cannot start "
                "before step t − 1 ends. The price: minGRU cannot decide what to forget "
                "from what it remembers.",
            ),
            Choice(
                "The scan is an approximation of the recurrence, accurate enough for training.",
                "The scan computes the same recurrence exactly (to rounding): the chapter "
                "checks that the loop gives the same logits as the scan.",
            ),
            Choice(
                "minGRU has no gate, so its state is a plain running sum.",
                "minGRU keeps the update gate z_t, which lets it forget; that is what "
                "distinguishes it from linear attention's purely additive state.",
            ),
        ),
        answer=1,
    ),
    Number(
        "This chapter's linear Transformer has 2 layers of width 32 with 4 heads and keeps "
        "its state in float32 (4 bytes a number). How many bytes of state (S and z of every "
        "head) does it keep per sequence, at any context length?",
        answer=2304,
        tolerance=0.5,
        right="Each head has d_head = 32 / 4 = 8: an 8 × 8 matrix S and an 8-vector z, 72 "
        "numbers. 2 layers × 4 heads × 72 × 4 bytes = 2,304 bytes, at 16 tokens as at "
        "2,048.",
        wrong="Work per head: d_head = 32 / 4 = 8, so S is 8 × 8 and z has 8 numbers. Then "
        "multiply by 4 heads, 2 layers and 4 bytes. The context length does not enter: "
        "that is the point of the state.",
    ),
)
