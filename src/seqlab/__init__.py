"""seqlab: the shared code of the book *From RNNs to Transformers, measured*.

Every chapter imports its models, data, training loop, plots and widgets from here,
so the code a reader studies is the code that is tested.
"""

__version__ = "0.1.0"
