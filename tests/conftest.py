"""Shared paths for the tests."""

from pathlib import Path

import pytest
from torch import nn

from seqlab.rnn import GRU, LSTM, RNN

ROOT = Path(__file__).resolve().parents[1]

# Each seqlab.rnn module with its torch.nn twin and the twin's options.
CASES = [
    (RNN, nn.RNN, {"nonlinearity": "tanh"}),
    (RNN, nn.RNN, {"nonlinearity": "relu"}),
    (LSTM, nn.LSTM, {}),
    (GRU, nn.GRU, {}),
]
IDS = ["rnn-tanh", "rnn-relu", "lstm", "gru"]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
