"""Chapter 0's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "0. How to use this book"

QUESTIONS = (
    Pick(
        "The exercise's first `my_softmax` computes `torch.exp(x) / torch.exp(x).sum()`, and "
        "the fix subtracts `x.max()` first. What does the subtraction change?",
        (
            Choice(
                "It makes the largest weight smaller, so that no single position can take "
                "all the weight.",
                "The weights do not change at all: e^(s_i − m) / Σ_j e^(s_j − m) is the same "
                "ratio as before, because numerator and denominator are both multiplied by "
                "e^(−m).",
            ),
            Choice(
                "It protects the small weights from underflowing to zero.",
                "Subtracting the maximum makes every exponent more negative, so small weights "
                "underflow just as before (harmlessly). The failure it prevents is at the "
                "other end: e^1000 overflows to inf, and inf / inf is nan.",
            ),
            Choice(
                "Nothing in the result: every weight is the same ratio, but every exponent "
                "is now at most 0, so no exp overflows to inf for large scores.",
                "Both numerator and denominator are multiplied by e^(−max), which "
                "cancels, and the largest term becomes e^0 = 1, so the sum is at least 1 and "
                "finite.",
            ),
            Choice(
                "It normalises the weights, which the literal formula does not make sum to one.",
                "The literal formula sums to one whenever it gives finite numbers; dividing "
                "by the sum is what normalises. It fails only where exp overflows.",
            ),
        ),
        answer=2,
    ),
    Number(
        "The heatmap's dropdown divides the scores by a temperature before the softmax. "
        "For the scores (2, 1, 0.1) at temperature 0.5, what weight does the largest score "
        "get? Give three decimals.",
        answer=0.864,
        tolerance=0.001,
        right="Dividing by 0.5 gives (4, 2, 0.2), and e^4 / (e^4 + e^2 + e^0.2) ≈ 54.60 / 63.21 "
        "≈ 0.864, up from 0.659 at temperature 1: a lower temperature makes a row more "
        "peaked.",
        wrong="Divide every score by the temperature first, (2, 1, 0.1) / 0.5 = (4, 2, 0.2), "
        "then take the softmax: e^4 / (e^4 + e^2 + e^0.2).",
    ),
    Number(
        "The speed test divides 2 · 256³ operations by the time of one 256 × 256 product. "
        "If one product took 500 µs, how many GFLOP/s would the page report? Give one "
        "decimal.",
        answer=67.1,
        tolerance=0.1,
        right="2 · 256³ = 33,554,432 operations in 0.0005 s is 6.71 · 10¹⁰ operations per "
        "second, 67.1 GFLOP/s. The 2 counts one multiplication and one addition for each of "
        "the n³ terms.",
        wrong="The product has 256² entries, each a sum of 256 products: about 2 · 256³ = "
        "33,554,432 operations. Divide by 0.0005 s and by 10⁹.",
    ),
    Pick(
        "You run this chapter on your own laptop and its GFLOP/s is three times the number "
        "printed on the site. What should you check first?",
        (
            Choice(
                "Whether the site's number is stale: it may have been typed in before the "
                "last change to the code.",
                "No number in the text is typed by hand: `glue` inserts the value the code "
                "on the page computed in that same build, so text and output cannot drift "
                "apart.",
            ),
            Choice(
                "Whether your laptop ran the product on its GPU.",
                "The tensors in the timing cell are created on the CPU and timed as CPU "
                "work; a GPU in the machine is not used by this cell, whatever the report "
                "says about it.",
            ),
            Choice(
                "The two environment reports: the processor, the number of PyTorch threads "
                "and the PyTorch version behind each number.",
                "A measured time belongs to its machine; the site was built with the "
                "thread count its report shows (the book's budgets assume 2 threads), and "
                "more threads or a faster CPU change every timing.",
            ),
        ),
        answer=2,
    ),
    Pick(
        "Reading the built site, you want the curve explorer's curve for ρ = 0.97, which is "
        "not one of its slider's values. What can you do, and why?",
        (
            Choice(
                "Type 0.97 into the widget: it computes ρ^k in your browser for any value.",
                "The widget does not compute curves: it shows the curves the notebook "
                "computed when the page was built, and its JavaScript only switches between "
                "them.",
            ),
            Choice(
                "Run the notebook yourself (locally or on Colab) with 0.97 added to "
                "`radii`: the widget's data are computed by the code when the page runs.",
                "The static site has no Python kernel behind it; its data were fixed "
                "at build time, so a new value needs the code to run again.",
            ),
            Choice(
                "Nothing: ρ between the listed values cannot be shown on a log scale.",
                "A log scale can show any positive curve; ρ^k for ρ = 0.97 is positive for "
                "every k. What limits the site is that its data were computed at build time.",
            ),
        ),
        answer=1,
    ),
)
