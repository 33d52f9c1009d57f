"""Chapter 6's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "6. Self-attention"

QUESTIONS = (
    Number(
        "A query and a key have d = 256 independent entries, each with mean 0 and variance "
        "1. What is the standard deviation of their dot product before the division by √d?",
        answer=16,
        tolerance=0.5,
        right="The 256 products q_i k_i each have variance 1 and are independent, so the "
        "variance of the sum is 256 and its standard deviation √256 = 16. Dividing by √d "
        "brings it back to 1.",
        wrong="Each product q_i k_i has mean 0 and variance 1; independent variances add, so "
        "the variance is d. The standard deviation is its square root.",
    ),
    Pick(
        "Why are the scores divided by √d before the softmax?",
        (
            Choice(
                "So that exp does not overflow for large d.",
                "Overflow is handled by subtracting each row's maximum inside the softmax, "
                "at any scale. The problem with large scores is saturation, not overflow.",
            ),
            Choice(
                "So that the weights of each row sum to one.",
                "The softmax makes every row sum to one at any scale of its inputs; the "
                "division changes how peaked the row is, not its sum.",
            ),
            Choice(
                "To keep the scores at unit variance whatever d is: without it they spread "
                "as √d, the softmax approaches a one-hot vector, and its derivative "
                "diag(w) − w wᵀ, and with it the gradient to the scores, vanishes.",
                "This is what the chapter measures with random queries and keys: "
                "with the division, entropy and gradient do not depend on d.",
            ),
            Choice(
                "To save computation: smaller numbers are cheaper to exponentiate.",
                "The cost of exp does not depend on the size of its argument; the division "
                "is one extra operation per score.",
            ),
        ),
        answer=2,
    ),
    Number(
        "Counting multiply-adds as the page does (projections 4 L d_model², feed-forward "
        "2 L d_model d_ff, attention 2 L² d_model), take a layer with d_model = 512 and "
        "d_ff = 2048. Above what length L does attention cost more than the projections "
        "and the feed-forward block together?",
        answer=3072,
        tolerance=0.5,
        right="2 L² d_model > 4 L d_model² + 2 L d_model d_ff gives, dividing by 2 L d_model, "
        "L > 2 d_model + d_ff = 1,024 + 2,048 = 3,072. Below that, most of the layer's work "
        "is its matrices, linear in L.",
        wrong="Divide both sides of 2 L² d_model > 4 L d_model² + 2 L d_model d_ff by "
        "2 L d_model: the threshold is 2 d_model + d_ff.",
    ),
    Pick(
        "The leak test changes the tokens after position 3 and finds the outputs at "
        "positions 0 … 3 changed by exactly zero, not merely by a little. Why exactly?",
        (
            Choice(
                "Because the new random tokens have mean zero, so their effect cancels.",
                "No averaging is involved: with a leak, any single changed token would move "
                "the outputs. The result holds for every choice of future tokens.",
            ),
            Choice(
                "Because the mask also sets the future positions' values to zero before "
                "the product with the weights.",
                "The mask acts on the scores, not on V; the future values are still there, "
                "multiplied by weights that are exactly 0.",
            ),
            Choice(
                "Because the change is below what float32 can resolve.",
                "A leak through a nonzero weight would be visible at float32 precision; the "
                "change is zero because nothing of the future enters the computation.",
            ),
            Choice(
                "Masked scores are set to −∞, so their weights are exactly e^(−∞) = 0: rows "
                "0 … 3 are computed from the same numbers as before, plus exact zeros.",
                "The softmax of an allowed row normalises over allowed positions "
                "only, and 0 times a finite value adds exactly nothing, so the outputs are "
                "exactly the same numbers.",
            ),
        ),
        answer=3,
    ),
    Pick(
        "What does a fused kernel in the style of FlashAttention change, compared with the "
        "unfused computation?",
        (
            Choice(
                "It computes the same output tile by tile with an online softmax, never "
                "writing the L × L weights to slow memory: their memory falls from L² to L "
                "numbers per head, while the work still grows as L² d.",
                "The result is the exact softmax, up to rounding; what is saved is "
                "memory and traffic to slow memory, not arithmetic.",
            ),
            Choice(
                "It approximates the softmax with a cheaper function, so that its work "
                "grows linearly in L.",
                "The online softmax gives the exact result, and every score is still "
                "computed; an approximation with linear work is a different idea, linear "
                "attention.",
            ),
            Choice(
                "It stores the L × L matrix in half precision, halving its memory.",
                "Halving would leave the memory quadratic in L; the fused kernel does not "
                "store the whole matrix at all, only a tile at a time.",
            ),
        ),
        answer=0,
    ),
)
