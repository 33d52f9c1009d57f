"""Chapter 13's self-check questions (shown by seqlab.widgets.SelfCheck)."""

from seqlab.selfcheck import Choice, Number, Pick

TITLE = "13. Pretraining: why scale paid off for the Transformer"

QUESTIONS = (
    Number(
        "A snippet of 64 characters goes through `mask_tokens` at the default rate of "
        "15 %. At how many positions is the masked language model's loss computed?",
        answer=10,
        tolerance=0.5,
        right="round(0.15 × 64) = round(9.6) = 10 positions are chosen, and every chosen "
        "one is scored: about 8 become [MASK], about 1 a random token, about 1 stays as "
        "it was.",
        wrong="15 % of 64 is 9.6, rounded to 10 chosen positions. All of them are scored, "
        "not only those that became [MASK]: the ones given a random token or left "
        "unchanged count too.",
    ),
    Pick(
        "Why is an encoder-only model such as BERT pretrained by predicting hidden tokens "
        "rather than the next token?",
        (
            Choice(
                "Every position attends to every other, the next one included, so asked for "
                "the next token it could simply read it.",
                "The objective must fit the attention pattern. A causal mask (GPT) "
                "makes next-token prediction honest; full attention needs the answer "
                "hidden from the input instead.",
            ),
            Choice(
                "An encoder has no output layer over the vocabulary.",
                "Any stack of layers can be given an output layer; the masked LM has one. "
                "What rules out next-token prediction is what each position can see.",
            ),
            Choice(
                "Predicting the next token needs a recurrent network.",
                "Decoder-only Transformers (GPT, and chapter 9's `TransformerLM`) predict "
                "the next token without any recurrence, under a causal mask.",
            ),
            Choice(
                "Masked prediction scores every position, so it learns faster.",
                "It is the other way round: a masked LM is scored on only 15 % of the "
                "positions, the price BERT's authors accepted for features that see both "
                "sides.",
            ),
        ),
        answer=0,
    ),
    Pick(
        "After pretraining, the BiLM's held-out loss per predicted character and the masked "
        "LM's loss at the masked positions are two numbers in nats. What does comparing "
        "them say about the two families?",
        (
            Choice(
                "The family with the lower loss learned the better representation.",
                "The two losses measure different tasks on different positions, so the "
                "lower one need not belong to the better model; only the fine-tuning "
                "comparison ranks them.",
            ),
            Choice(
                "The masked LM's loss must be lower, since it sees context on both sides.",
                "Context on both sides helps, but whether the loss ends lower is not given "
                "in advance, and even if it does the numbers measure different tasks.",
            ),
            Choice(
                "Nothing: predicting a hidden character with context on both sides is a "
                "different task from predicting the next or the previous one.",
                "The two objectives are each family's own, chosen on purpose, so "
                "their losses do not rank the families. The test is what each pretrained "
                "body does for the labelled task.",
            ),
            Choice(
                "They can be compared once converted to bits per character.",
                "Both are already per character; converting the units does not make two "
                "different prediction problems comparable.",
            ),
        ),
        answer=2,
    ),
    Pick(
        "Seed k fine-tunes pretrained model k on labelled set k, and trains the "
        "from-scratch model on the same set, from the same head initialisation. What does "
        "this pairing buy?",
        (
            Choice(
                "It doubles the number of seeds, which narrows the intervals.",
                "The number of seeds stays three; pairing narrows the interval of the gain "
                "by removing shared variation, not by adding runs.",
            ),
            Choice(
                "The gain of seed k is a paired difference: which snippets were drawn and "
                "how the head started are the same on both sides, so their luck cancels "
                "and the difference isolates pretraining.",
                "With unpaired runs, a lucky labelled set on one side could pass for "
                "an effect of pretraining. The gain is computed seed by seed, then its "
                "interval over seeds.",
            ),
            Choice(
                "It makes sure the pretrained and scratch models use the same learning rate.",
                "They do not: the rate is searched separately for each family and each "
                "start, pretrained or from scratch.",
            ),
            Choice(
                "It lets the from-scratch model start from the pretrained weights.",
                "That would make it pretrained too. The scratch model is freshly "
                "initialised; only the data and the head's starting point are shared.",
            ),
        ),
        answer=1,
    ),
    Pick(
        "At one labelled-set size, the Transformer's gain from pretraining minus the LSTM's "
        "is +0.08, its interval excludes zero and the difference exceeds the 0.05 margin. "
        "What should you still read before saying pretraining helped the Transformer a "
        "lot?",
        (
            Choice(
                "Nothing: the difference passed both conditions of the rule.",
                "It passed the rule for the difference, which is what the claim is about; "
                "how large each family's own gain was is a separate question.",
            ),
            Choice(
                "The pretraining losses, to see which family pretrained better.",
                "Those measure two different objectives and do not rank the families; "
                "they cannot say how much pretraining helped either one.",
            ),
            Choice(
                "Whether the runs were paired.",
                "They were, by design; pairing makes each gain cleaner, but does not say "
                "what sign the gains have.",
            ),
            Choice(
                "The two gains themselves: the difference can favour the Transformer "
                "because the LSTM's gain is negative while the Transformer's is near zero.",
                "+0.08 could be +0.08 against 0, or +0.01 against −0.07. The "
                "chapter reads each gain's interval beside the comparison for this reason.",
            ),
        ),
        answer=3,
    ),
)
