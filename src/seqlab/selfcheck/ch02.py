"""Chapter 2's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "2. Vanishing and exploding gradients"

QUESTIONS = (
    Number(
        "In a linear RNN whose W_hh is 0.9 times an orthogonal matrix, every step back "
        "multiplies a gradient's norm by exactly 0.9. After how many steps back is the "
        "gradient first smaller than one thousandth of its starting size?",
        answer=66,
        tolerance=0.5,
        right="0.9^k < 0.001 needs k > ln(0.001) / ln(0.9) ≈ 65.6, so k = 66 "
        "(0.9^65 ≈ 0.00106, 0.9^66 ≈ 0.00096). A spectral radius only a little below 1 "
        "still loses three orders of magnitude within a few dozen steps.",
        wrong="Solve 0.9^k < 0.001: take logarithms, k > ln(0.001) / ln(0.9) (both are "
        "negative), and round up to the next whole step.",
    ),
    Pick(
        "The chapter's Gaussian W_hh has spectral radius ρ = 0.9, but its largest singular "
        "value σ_max is above 1 (close to 2ρ for a large Gaussian matrix). What does the "
        "bound ‖∂h_T/∂h_t‖ ≤ σ_max^(T−t) tell you about this network?",
        (
            Choice(
                "Nothing about vanishing: a bound above 1 allows growth but does not predict "
                "it, and the long-run rate of the powers of W_hh is ρ = 0.9, not σ_max.",
                "The σ_max bound forces vanishing only when σ_max < 1. Here it is "
                "silent, and the long-run behaviour is set by ρ (Gelfand's formula), with the "
                "tanh derivatives, each at most 1, on top.",
            ),
            Choice(
                "The gradient must grow with the lag, since each step can multiply it by up "
                "to σ_max > 1.",
                "An upper bound says how large the product can be, not how large it is. A "
                "bound above 1 allows growth without predicting it.",
            ),
            Choice(
                "The gradient changes by about σ_max per step in the long run.",
                "The long-run rate of ‖W^k‖ is the spectral radius ρ, by Gelfand's formula "
                "‖W^k‖^(1/k) → ρ, whatever σ_max is; σ_max only bounds each single step.",
            ),
        ),
        answer=0,
    ),
    Pick(
        "A tanh RNN with spectral radius above 1 need not have exploding gradients, while "
        "a ReLU RNN with ρ = 2 can. What makes the difference?",
        (
            Choice(
                "tanh keeps the states in [−1, 1], and bounded states mean bounded gradients.",
                "Bounded activations do not bound gradients: the backward pass multiplies "
                "Jacobians, not states. What matters is the derivative in each Jacobian.",
            ),
            Choice(
                "As the tanh states saturate towards ±1, the factors 1 − h² in each Jacobian "
                "shrink towards 0 and hold the product down; a ReLU's derivative is 1 "
                "wherever it is active, so nothing offsets W_hh.",
                "Each step back multiplies by diag(1 − h²) W_hh for tanh and by "
                "diag(1[a > 0]) W_hh for ReLU; only the first has a factor that shrinks as "
                "the states grow.",
            ),
            Choice(
                "PyTorch clips the gradient of tanh automatically, but not that of ReLU.",
                "Autograd computes the exact derivative of both functions; clipping happens "
                "only where you call it, as `fit` does with `clip`.",
            ),
        ),
        answer=1,
    ),
    Pick(
        "To measure how gradients grow with the lag in the ReLU RNN, the page uses the loss "
        "L = Σ_j h_T,j rather than ‖h_T‖². Why?",
        (
            Choice(
                "‖h_T‖² has no gradient through a ReLU.",
                "It has one: ∂‖h_T‖²/∂h_T = 2 h_T, passed back wherever the ReLU units are "
                "active. That this gradient is as large as h_T is the problem, not its "
                "absence.",
            ),
            Choice(
                "A sum is cheaper to differentiate, which matters at length 50.",
                "Both losses cost about the same; the choice is about what the measurement "
                "means, not about its cost.",
            ),
            Choice(
                "The sum keeps the loss from growing with the sequence length.",
                "Σ_j h_T,j grows with the activations too; what stays fixed is its gradient "
                "at h_T, a vector of ones.",
            ),
            Choice(
                "The gradient of Σ_j h_T,j at h_T is all ones whatever the states' size, so "
                "what is measured at earlier steps comes from the backward Jacobians alone.",
                "The gradient of ‖h_T‖² at h_T is 2 h_T, as large as the activations, "
                "so its measurement would mix forward growth with backward growth; the sum "
                "separates them.",
            ),
        ),
        answer=3,
    ),
    Pick(
        "Why can gradient clipping not make a long lag learnable, when the gradient from "
        "distant steps has vanished?",
        (
            Choice(
                "It can: clipping scales a small gradient up to the threshold.",
                "Clipping only ever shrinks: it multiplies the gradient by c / ‖g‖ when "
                "‖g‖ > c, and leaves it alone otherwise.",
            ),
            Choice(
                "Clipping clips each component separately, which removes the tiny ones entirely.",
                "`clip_grad_norm_` rescales the whole gradient by one number; the tiny parts "
                "shrink in proportion with the rest, neither removed nor restored.",
            ),
            Choice(
                "It multiplies the whole gradient by one factor of at most 1, so the share "
                "coming from distant steps stays as small as it was.",
                "Clipping bounds how far a step goes, not which steps the gradient "
                "hears from; bringing back a vanished signal needs a different architecture, "
                "such as the LSTM's cell.",
            ),
        ),
        answer=2,
    ),
)
