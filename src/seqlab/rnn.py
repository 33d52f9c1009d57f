"""Recurrent networks written from scratch: ``RNN``, ``LSTM`` and ``GRU``.

Each equals its ``torch.nn`` twin (same parameter names and layouts, so
``from_torch(module)`` copies the weights) in outputs and gradients. For speed, the
input projections of all time steps are one matrix product; only the recurrence loops.

Taught in chapters 1 (RNN) and 3 (LSTM, GRU). The diagnostics of chapters 2 and 3
(gradient norms through time, spectral radius, gate traces) are in
:mod:`seqlab.diagnostics`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from seqlab import _checks, sampling

__all__ = [
    "GRU",
    "IMPLS",
    "LSTM",
    "RNN",
    "RNNLM",
    "RNNLMConfig",
    "RNNRegressor",
    "gru_cell",
    "gru_gate_values",
    "hidden_of",
    "implementation",
    "init_forget_bias",
    "lstm_cell",
    "lstm_gate_values",
    "rnn_cell",
]


# One time step of each cell: the equations of chapters 1 and 3. ``xw`` is the input
# projection W_ih x_t + b_ih, already computed for all steps; ``h`` is the previous
# hidden state (B, H); ``w_hh`` is (gates * H, H).


def rnn_cell(xw: torch.Tensor, h: torch.Tensor, w_hh, b_hh, nonlinearity: str = "tanh"):
    """h' = act(W_ih x + b_ih + W_hh h + b_hh).   xw, h: (B, H) -> (B, H)."""
    pre = torch.addmm(xw if b_hh is None else xw + b_hh, h, w_hh.T)  # (B, H)
    return torch.tanh(pre) if nonlinearity == "tanh" else torch.relu(pre)


def lstm_cell(xw: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor], w_hh, b_hh):
    """One LSTM step.   xw: (B, 4H); state: ((B, H), (B, H)) -> ((B, H), (B, H)).

    c' = f * c + i * g, h' = o * tanh(c'), with the gates of :func:`lstm_gate_values`.
    """
    h, c = state
    i, f, g, o = lstm_gate_values(xw, h, w_hh, b_hh)
    c = f * c + i * g  # forget some of the old cell, write some of the candidate
    h = o * torch.tanh(c)  # expose some of the cell
    return h, c


def lstm_gate_values(xw: torch.Tensor, h: torch.Tensor, w_hh, b_hh):
    """The LSTM's gates at one step, in torch's order: input i, forget f, cell candidate
    g, output o, each (B, H)."""
    z = torch.addmm(xw if b_hh is None else xw + b_hh, h, w_hh.T)  # (B, 4H)
    z_i, z_f, z_g, z_o = z.chunk(4, dim=-1)
    return torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)


def gru_cell(xw: torch.Tensor, h: torch.Tensor, w_hh, b_hh):
    """One GRU step.   xw: (B, 3H); h: (B, H) -> (B, H).

    h' = (1 - z) * n + z * h, with the gates of :func:`gru_gate_values`.
    """
    _, z, n = gru_gate_values(xw, h, w_hh, b_hh)
    return n + z * (h - n)  # = (1 - z) * n + z * h


def gru_gate_values(xw: torch.Tensor, h: torch.Tensor, w_hh, b_hh):
    """The GRU's gates at one step, in torch's order: reset r, update z and the candidate
    n = tanh(x_n + r * (W_hn h + b_hn)), each (B, H)."""
    hw = h @ w_hh.T if b_hh is None else torch.addmm(b_hh, h, w_hh.T)  # (B, 3H)
    x_r, x_z, x_n = xw.chunk(3, dim=-1)
    h_r, h_z, h_n = hw.chunk(3, dim=-1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)  # the reset gate scales the recurrent part only
    return r, z, n


def hidden_of(state) -> torch.Tensor:
    """The hidden state ``h`` of a recurrent state: ``state`` itself, or ``h`` of an
    LSTM's ``(h, c)``."""
    return state[0] if isinstance(state, tuple) else state


class _Recurrent(nn.Module):
    """A stack of recurrent layers with torch's parameter names (weight_ih_l0, ...).

    A subclass says how many gates its cell has and defines ``cell``: one step on the
    state as a tuple (``(h,)``, or ``(h, c)`` for the LSTM). The loop over time is here.
    """

    gates = 1  # blocks of H rows in W_ih and W_hh: 1 (RNN), 4 (LSTM), 3 (GRU)
    state_names: tuple[str, ...] = ("h0",)  # the LSTM's is ("h0", "c0")
    twin: type[nn.Module] = nn.RNNBase
    fold_hidden_bias = True  # False where b_hh sits inside a gate product (GRU's b_hn)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = True,
    ):
        super().__init__()
        _checks.sizes(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        rows = self.gates * hidden_size
        for k in range(num_layers):
            cols = input_size if k == 0 else hidden_size
            self.register_parameter(f"weight_ih_l{k}", nn.Parameter(torch.empty(rows, cols)))
            self.register_parameter(f"weight_hh_l{k}", nn.Parameter(torch.empty(rows, hidden_size)))
            if bias:
                self.register_parameter(f"bias_ih_l{k}", nn.Parameter(torch.empty(rows)))
                self.register_parameter(f"bias_hh_l{k}", nn.Parameter(torch.empty(rows)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform in ±1/sqrt(hidden_size), as torch initialises its RNNs."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def layer(self, k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, ...]:
        """Layer ``k``'s ``(W_ih, W_hh, b_ih, b_hh)`` (the biases ``None`` without bias)."""
        get = lambda name: getattr(self, f"{name}_l{k}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def cell(self, xw_t, state: tuple, w_hh, b_hh) -> tuple:
        """One step of the cell on the state tuple; each subclass defines it."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor, h0=None, mask: torch.Tensor | None = None):
        """Run the stack over a sequence.

        Args:
            x: ``(B, L, input_size)`` (``(L, B, input_size)`` if ``batch_first=False``).
            h0: initial state ``(num_layers, B, H)``; zeros if ``None``
                (LSTM: a pair ``(h0, c0)``).
            mask: ``(B, L)`` bool, True on real steps, for right-padded batches (see
                :func:`seqlab.attention.padding_mask`). On padded steps the state is
                carried unchanged and the output is zero, as with torch's packed
                sequences, so ``h_n`` is each sequence's state after its last real step.

        Returns:
            ``(output, h_n)``: the last layer's states at every step ``(B, L, H)`` and
            every layer's last state ``(num_layers, B, H)`` (LSTM: ``(h_n, c_n)``).
        """
        x, state, mask = self._check_forward(x, h0, mask)  # (B, L, D), each (layers, B, H)
        finals = []
        for k in range(self.num_layers):
            x, final = self._run_layer(k, x, tuple(s[k] for s in state), mask)  # (B, L, H)
            finals.append(final)
        if mask is not None:
            x = x * mask[..., None]  # padded steps output zeros
        output = x if self.batch_first else x.transpose(0, 1)
        h_n = tuple(torch.stack(s) for s in zip(*finals, strict=True))  # each (layers, B, H)
        return output, h_n if len(h_n) > 1 else h_n[0]

    def _run_layer(self, k: int, x: torch.Tensor, state: tuple, mask):
        """Layer ``k`` over the sequence: x ``(B, L, D)`` -> its hidden states
        ``(B, L, H)`` and its last state. Where ``mask`` is False (padding) the state
        is carried unchanged."""
        w_ih, w_hh, b_ih, b_hh = self.layer(k)
        xw = x @ w_ih.T  # (B, L, gates*H): the input part of every step in one product
        if b_ih is not None:
            xw = xw + b_ih
        if self.fold_hidden_bias and b_hh is not None:
            xw, b_hh = xw + b_hh, None  # added once for all steps, not once per step
        outputs = []
        for t, xw_t in enumerate(xw.transpose(0, 1).contiguous()):  # each (B, gates*H)
            new = self.cell(xw_t, state, w_hh, b_hh)
            if mask is not None:
                keep = mask[:, t, None]  # (B, 1)
                new = tuple(torch.where(keep, n, s) for n, s in zip(new, state, strict=True))
            state = new
            outputs.append(state[0])  # h_t
        return torch.stack(outputs, dim=1), state

    def step(self, x_t: torch.Tensor, state):
        """One time step of a one-layer module, for decoders that build each input as
        they go.

        Shape:
            x_t ``(B, input_size)``, state ``(B, H)`` (LSTM: a pair ``(h, c)``) -> the new
            state, same form.
        """
        _checks.step_input(x_t, self.input_size, self.num_layers, self.layer(0)[0].dtype)
        w_ih, w_hh, b_ih, b_hh = self.layer(0)
        xw_t = x_t @ w_ih.T  # (B, gates*H)
        if b_ih is not None:
            xw_t = xw_t + b_ih
        new = self.cell(xw_t, state if isinstance(state, tuple) else (state,), w_hh, b_hh)
        return new if len(new) > 1 else new[0]

    @classmethod
    def from_torch(cls, module: nn.Module):
        """A copy of a ``torch.nn`` twin (same sizes, weights, dtype and device).

        Raises:
            TypeError: ``module`` is not the twin class.
            ValueError: it uses a feature this implementation does not have
                (bidirectional, dropout between layers, LSTM projections).
        """
        if type(module) is not cls.twin:
            raise TypeError(
                f"{cls.__name__}.from_torch expects nn.{cls.twin.__name__}, "
                f"got {type(module).__name__}"
            )
        if module.bidirectional or module.dropout or getattr(module, "proj_size", 0):
            raise ValueError("bidirectional, dropout and proj_size are not supported")
        ours = cls(**cls._twin_kwargs(module))
        ref = next(module.parameters())
        ours.to(dtype=ref.dtype, device=ref.device)
        ours.load_state_dict(module.state_dict())
        return ours

    @staticmethod
    def _twin_kwargs(module) -> dict:
        return {
            "input_size": module.input_size,
            "hidden_size": module.hidden_size,
            "num_layers": module.num_layers,
            "bias": module.bias,
            "batch_first": module.batch_first,
        }

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
            f"bias={self.bias}, batch_first={self.batch_first}"
        )

    def _check_forward(self, x, h0, mask):
        """x as ``(B, L, input_size)``, the initial state as a tuple of
        ``(num_layers, B, H)`` tensors (zeros for ``None``) and the mask."""
        x = _checks.sequence("x", x, self.input_size, self.batch_first, self.layer(0)[0].dtype)
        mask = None if mask is None else _checks.step_mask(mask, x.shape[:2])
        shape = (self.num_layers, x.shape[0], self.hidden_size)
        if h0 is None:
            return x, (x.new_zeros(shape),) * len(self.state_names), mask
        return x, _checks.initial_state(h0, self.state_names, shape), mask


class RNN(_Recurrent):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu).

    Args:
        input_size, hidden_size, num_layers, bias, batch_first: as ``nn.RNN``
            (``batch_first`` defaults to True here).
        nonlinearity: ``"tanh"`` or ``"relu"``.

    Shape:
        x ``(B, L, input_size)``, h0 ``(num_layers, B, H)`` ->
        output ``(B, L, H)``, h_n ``(num_layers, B, H)``.

    Example:
        >>> rnn = RNN(8, 16)
        >>> out, h = rnn(torch.randn(2, 5, 8))
        >>> out.shape, h.shape
        (torch.Size([2, 5, 16]), torch.Size([1, 2, 16]))

    Taught in chapter 1.
    """

    twin = nn.RNN

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=True,
    ):
        _checks.choice("nonlinearity", nonlinearity, ("tanh", "relu"), "'tanh' or 'relu'")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first)
        self.nonlinearity = nonlinearity

    def cell(self, xw_t, state, w_hh, b_hh):
        return (rnn_cell(xw_t, state[0], w_hh, b_hh, self.nonlinearity),)

    @staticmethod
    def _twin_kwargs(module) -> dict:
        return {**_Recurrent._twin_kwargs(module), "nonlinearity": module.nonlinearity}


class LSTM(_Recurrent):
    """Long short-term memory, equal to ``nn.LSTM`` (gates i, f, g, o).

    Args:
        input_size, hidden_size, num_layers, bias, batch_first: as ``nn.LSTM``
            (``batch_first`` defaults to True here).
        forget_bias: the value the forget gate's bias starts at, in every layer.
            Default 1.0, the practice since the forget gate was introduced
            (Gers, Schmidhuber and Cummins 2000, "Learning to forget") and
            recommended by Jozefowicz, Zaremba and Sutskever (2015, "An empirical
            exploration of recurrent network architectures"): the gate starts near
            sigma(1) = 0.73 instead of 0.5, so the cell keeps its content by
            default. torch keeps two biases; the whole value goes into the forget
            slice of ``bias_ih`` and that of ``bias_hh`` is 0, so their sum is
            ``forget_bias``. The other gates keep torch's uniform init. ``None``
            keeps torch's init for the forget gate too (what ``nn.LSTM`` does).
            Ignored when ``bias=False``.

    Shape:
        x ``(B, L, input_size)``, ``(h0, c0)`` each ``(num_layers, B, H)`` ->
        output ``(B, L, H)``, ``(h_n, c_n)`` each ``(num_layers, B, H)``.

    Example:
        >>> lstm = LSTM(8, 16)
        >>> float(lstm.bias_ih_l0[16:32].min() + lstm.bias_hh_l0[16:32].max())
        1.0

    Taught in chapter 3.
    """

    gates = 4
    state_names = ("h0", "c0")
    twin = nn.LSTM

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=True,
        forget_bias: float | None = 1.0,
    ):
        if forget_bias is not None:
            forget_bias = _checks.number("forget_bias", forget_bias)
        self.forget_bias = forget_bias  # read by reset_parameters
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first)

    def reset_parameters(self) -> None:
        """torch's uniform init, then the forget gate's bias set to ``forget_bias``."""
        super().reset_parameters()
        if self.forget_bias is not None and self.bias:
            init_forget_bias(self, self.forget_bias)

    def cell(self, xw_t, state, w_hh, b_hh):
        return lstm_cell(xw_t, state, w_hh, b_hh)

    @staticmethod
    def _twin_kwargs(module) -> dict:
        # the weights are copied from the twin, so no bias needs setting
        return {**_Recurrent._twin_kwargs(module), "forget_bias": None}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, forget_bias={self.forget_bias}"


def init_forget_bias(lstm: nn.Module, value: float) -> None:
    """Set the forget gate's bias of every layer of ``lstm`` to ``value``.

    Works on :class:`LSTM` and ``nn.LSTM`` (same parameter names). The gates are
    stacked i, f, g, o, so the forget slice is rows ``H:2H``; ``bias_ih`` gets the
    whole value and ``bias_hh`` 0 there, so the gate's total bias is ``value``.

    Taught in chapter 3.
    """
    value = _checks.number("value", value)
    h = lstm.hidden_size
    with torch.no_grad():
        for k in range(lstm.num_layers):
            getattr(lstm, f"bias_ih_l{k}")[h : 2 * h] = value  # (H,) forget slice
            getattr(lstm, f"bias_hh_l{k}")[h : 2 * h] = 0.0


class GRU(_Recurrent):
    """Gated recurrent unit, equal to ``nn.GRU`` (gates r, z, n).

    Shape:
        x ``(B, L, input_size)``, h0 ``(num_layers, B, H)`` ->
        output ``(B, L, H)``, h_n ``(num_layers, B, H)``.

    Taught in chapter 3.
    """

    gates = 3
    twin = nn.GRU
    fold_hidden_bias = False

    def cell(self, xw_t, state, w_hh, b_hh):
        return (gru_cell(xw_t, state[0], w_hh, b_hh),)


CELLS: dict[str, type[_Recurrent]] = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


@dataclass
class RNNLMConfig:
    """Size of a character language model.

    Attributes:
        vocab_size: number of token ids.
        d_embed: size of the embedding.
        hidden_size, num_layers: of the recurrent stack.
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"`` (default ``"lstm"``).
        dropout: rate of the dropout on the embeddings and on the recurrent
            outputs before the head (active in ``train()`` mode only); default 0.
        tie_weights: the head shares the embedding's weight matrix (Press and Wolf
            2017); needs ``d_embed == hidden_size``; default False.
        forget_bias: the LSTM's initial forget-gate bias (see :class:`LSTM`);
            default 1.0, ``None`` for torch's init; unused by the other cells.
        impl: ``"seqlab"`` (default), the layers written in this module, or
            ``"torch"``: ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU``, the same parameters
            under the same names, computed by torch's fused kernels (oneDNN on the
            CPU, cuDNN on CUDA). The outputs are equal; torch's are several times
            faster, so every timing in chapter 10 uses them.
    """

    vocab_size: int
    d_embed: int = 32
    hidden_size: int = 128
    num_layers: int = 1
    cell: str = "lstm"
    dropout: float = 0.0
    tie_weights: bool = False
    forget_bias: float | None = 1.0
    impl: str = "seqlab"


IMPLS = ("seqlab", "torch")


def _recurrent_stack(config: RNNLMConfig) -> nn.Module:
    """The recurrent layers a config describes (the LSTM with its forget bias), from
    this module or, with ``impl="torch"``, torch's own (``CELLS[cell].twin``)."""
    sizes = (config.d_embed, config.hidden_size, config.num_layers)
    if config.impl == "seqlab":
        extra = {"forget_bias": config.forget_bias} if config.cell == "lstm" else {}
        return CELLS[config.cell](*sizes, **extra)
    stack = CELLS[config.cell].twin(*sizes, batch_first=True)
    if config.cell == "lstm" and config.forget_bias is not None:
        init_forget_bias(stack, config.forget_bias)
    return stack


def implementation(module: nn.Module) -> str:
    """The dotted name of the class that computes ``module``'s recurrence (for an
    :class:`RNNLM`, its stack's): ``"torch.nn.LSTM"``, ``"seqlab.rnn.LSTM"``, ..."""
    stack = module.rnn if isinstance(module, RNNLM) else module
    cls = type(stack)
    prefix = "torch.nn" if cls.__module__.startswith("torch.") else cls.__module__
    return f"{prefix}.{cls.__name__}"


class RNNLM(nn.Module):
    """Embedding -> recurrent stack (from scratch) -> linear head over the vocabulary.

    With ``config.dropout`` the embeddings and the recurrent outputs pass through
    dropout in training; with ``config.tie_weights`` the head's weight *is* the
    embedding matrix (one tensor, ``vocab_size * d_embed`` fewer parameters).

    Shape:
        tokens ``(B, L)`` int64 -> logits ``(B, L, vocab_size)`` and the final state.

    Example:
        >>> lm = RNNLM(RNNLMConfig(vocab_size=50))
        >>> logits, state = lm(torch.zeros(2, 7, dtype=torch.long))
        >>> logits.shape
        torch.Size([2, 7, 50])

    Taught in chapter 1.
    """

    def __init__(self, config: RNNLMConfig):
        super().__init__()
        _checks.choice("cell", config.cell, sorted(CELLS), f"one of {sorted(CELLS)}")
        _checks.integer("vocab_size", config.vocab_size)
        _checks.probability("dropout", config.dropout)
        _checks.flag("tie_weights", config.tie_weights)
        _checks.choice("impl", config.impl, IMPLS, f"one of {IMPLS}")
        if config.tie_weights and config.d_embed != config.hidden_size:
            raise ValueError(
                "tie_weights needs d_embed == hidden_size (the head's weight is the "
                f"embedding), got d_embed={config.d_embed}, hidden_size={config.hidden_size}"
            )
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.d_embed)
        self.rnn = _recurrent_stack(config)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)
        if config.tie_weights:
            self.head.weight = self.embed.weight  # (vocab, d): one shared tensor

    def forward(self, tokens: torch.Tensor, state=None):
        _checks.token_ids("tokens", tokens, self.config.vocab_size)
        out, state = self.rnn(self.drop(self.embed(tokens)), state)  # (B, L, H)
        return self.head(self.drop(out)), state  # (B, L, vocab_size)

    def next_logits(self, tokens: torch.Tensor, state=None):
        """Read ``tokens`` ``(B, T)`` after ``state``: the next token's logits ``(B, V)``
        and the new state (the protocol of :func:`seqlab.sampling.generate`)."""
        logits, state = self(tokens, state)
        return logits[:, -1], state

    def generate(
        self,
        prompt,
        n: int,
        temperature: float = 1.0,
        *,
        vocab=None,
        generator=None,
        top_k: int | None = None,
        top_p: float | None = None,
    ):
        """Continue ``prompt`` by ``n`` sampled tokens, carrying the recurrent state: see
        :func:`seqlab.sampling.generate` (a string prompt needs ``vocab``; ``top_k`` and
        ``top_p`` cut the distribution as in :func:`seqlab.sampling.next_token_probs`)."""
        return sampling.generate(
            self,
            prompt,
            n,
            temperature,
            vocab=vocab,
            generator=generator,
            top_k=top_k,
            top_p=top_p,
        )


class RNNRegressor(nn.Module):
    """A recurrent layer that reads float features and predicts one number per sequence.

    Used for the adding problem: the prediction is a linear read-out of the last state.

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        input_size: features per step.
        hidden_size: units of the recurrent layer.

    Shape:
        x ``(B, L, input_size)`` -> ``(B,)``.

    Taught in chapter 3.
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int):
        super().__init__()
        _checks.choice("cell", cell, sorted(CELLS), f"one of {sorted(CELLS)}")
        self.rnn = CELLS[cell](input_size, hidden_size)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)  # (B, L, H)
        return self.head(out[:, -1]).squeeze(-1)  # (B,)
