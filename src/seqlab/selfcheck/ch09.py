"""Chapter 9's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "9. The full Transformer"

QUESTIONS = (
    Pick(
        "In a deep stack, in which arrangement does the gradient reach the first layer "
        "through an identity path, rather than through a layer norm at every layer above "
        "it?",
        (
            Choice(
                "Post-LN, x ← LN(x + f(x)), the original Transformer's.",
                "In post-LN every addition is followed by a norm, so the path from the "
                "output down to layer 1 runs through every layer norm above it, and each "
                "one rescales the gradient.",
            ),
            Choice(
                "Pre-LN, x ← x + f(LN(x)).",
                "The stream itself is never normalised, so x_N = x_0 plus a sum of "
                "sublayer outputs, and the gradient reaches every layer through the "
                "additions (one final norm sits before the output, once, for all layers).",
            ),
            Choice(
                "Both equally, since both have residual connections.",
                "Both add f(x) to the stream, but in post-LN the norm after each addition "
                "lies on the residual path itself; where the norm sits is what decides "
                "the gradient's path.",
            ),
            Choice(
                "Neither: residual connections act in the forward pass only.",
                "An addition passes its incoming gradient unchanged to both of its inputs; "
                "that is why a residual path carries gradient backward as well.",
            ),
        ),
        answer=1,
    ),
    Pick(
        "The pre-LN/post-LN test counts a seed as stalled when its training loss ends "
        "above the plateau of “character frequencies only”, less a margin. What is "
        "that plateau?",
        (
            Choice(
                "The loss of a uniform guess over the vocabulary, ln V.",
                "A uniform guess is worse than the plateau: a model can beat ln V by "
                "learning how often each character occurs, without reading any context.",
            ),
            Choice(
                "The loss pre-LN reached with the same seed.",
                "The rule was fixed before the numbers and is the same for both forms; "
                "tying it to pre-LN's result would make one form's stall depend on the "
                "other's luck.",
            ),
            Choice(
                "The validation loss of chapter 1's LSTM on the same text.",
                "A trained model's loss is not a stall threshold: it uses context, and "
                "a model can train perfectly well and still end above it after few steps.",
            ),
            Choice(
                "The entropy of the character frequencies: the best loss a model can reach "
                "by predicting the same distribution at every position.",
                "A run stuck there has learned how often each character occurs and "
                "nothing about its context, which is what a stall means here.",
            ),
        ),
        answer=3,
    ),
    Pick(
        "With label smoothing, `fit` trains on the smoothed loss but scores every run with "
        "the plain cross-entropy. Why?",
        (
            Choice(
                "The smoothed loss measures a different target, one that puts ε on every "
                "token, so it is not comparable with the baseline's loss; the plain "
                "cross-entropy scores every run on the same quantity.",
                "A model that put probability 1 on the right token would still pay a "
                "smoothed loss above zero. Comparing ingredients needs one measure, and "
                "the held-out plain cross-entropy is it.",
            ),
            Choice(
                "Because the plain cross-entropy is always lower, which makes smoothing "
                "look better.",
                "The choice is about comparing like with like, not about flattering an "
                "ingredient; whether smoothing lowers the plain loss is what is measured.",
            ),
            Choice(
                "Because a smoothed loss cannot be computed on held-out text.",
                "It can be computed on any text with targets; it is not used because it "
                "would compare runs on a different quantity from the baseline's.",
            ),
            Choice(
                "Because the plain cross-entropy is cheaper to compute.",
                "The two cost about the same; the reason is that runs with and without "
                "smoothing must be scored on one measure.",
            ),
        ),
        answer=0,
    ),
    Pick(
        "`TransformerLM.generate` keeps the keys and values of earlier positions and "
        "computes only the new position at each step. Why does that leave every logit "
        "unchanged, to rounding?",
        (
            Choice(
                "Keys and values are learned parameters, the same for every input.",
                "Keys and values are computed from the input at each layer, x W_K and "
                "x W_V; what is learned is the matrices, not the vectors.",
            ),
            Choice(
                "The cache stores an approximation whose error is too small to see.",
                "Nothing is approximated: the cached vectors are exactly those the full "
                "forward pass would compute, and the chapter's check finds differences "
                "at the level of rounding.",
            ),
            Choice(
                "Causal attention never looks forward, so an earlier position's keys and "
                "values, at every layer, depend only on its own prefix and do not change "
                "when a token is appended.",
                "Each step only adds a row to the lower triangle of the attention "
                "matrix. The price is memory: two vectors per layer for every position "
                "written so far.",
            ),
            Choice(
                "The positional encoding makes old positions independent of new tokens.",
                "Positions tell a token where it is; what keeps earlier positions fixed is "
                "the causal mask. Without it, a new token would change every earlier one.",
            ),
        ),
        answer=2,
    ),
    Number(
        "How many parameters has `nn.TransformerEncoderLayer(32, 4, 64)` (width 32, 4 "
        "heads, feed-forward size 64, biases included), the layer this chapter checks "
        "`seqlab` against?",
        answer=8544,
        tolerance=0.5,
        right="Attention 4 · 32² + 4 · 32 = 4,224; feed-forward 32 · 64 + 64 + 64 · 32 + "
        "32 = 4,192; two layer norms 2 · (32 + 32) = 128: 8,544 in all.",
        wrong="Count three parts: attention, four 32 × 32 matrices and four biases of 32 "
        "(4,224, whatever the heads); the feed-forward block, 32 → 64 → 32 with its "
        "biases (4,192); two layer norms, each a scale and a shift of 32 (128).",
    ),
)
