"""Recurrent networks written from scratch: ``RNN``, ``LSTM`` and ``GRU``.

Each equals its ``torch.nn`` twin (same parameter names and layouts, so
``from_torch(module)`` copies the weights) in outputs and gradients. For speed, the
input projections of all time steps are one matrix product; only the recurrence loops.

Taught in chapters 1 (RNN) and 3 (LSTM, GRU).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "RNNLM",
    "RNNLMConfig",
    "RNNRegressor",
    "gate_trace",
    "gru_cell",
    "gru_gate_values",
    "lstm_cell",
    "lstm_gate_values",
    "rnn_cell",
    "set_spectral_radius",
    "state_gradient_norms",
]


# One time step of each cell. ``xw`` is the input projection W_ih x_t + b_ih, already
# computed for all steps; ``h`` is the previous hidden state (B, H).


def rnn_cell(xw: torch.Tensor, h: torch.Tensor, w_hh, b_hh, nonlinearity: str = "tanh"):
    """h' = act(W_ih x + b_ih + W_hh h + b_hh).   xw, h: (B, H) -> (B, H)."""
    pre = torch.addmm(xw if b_hh is None else xw + b_hh, h, w_hh.T)
    return torch.tanh(pre) if nonlinearity == "tanh" else torch.relu(pre)


def lstm_cell(xw: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor], w_hh, b_hh):
    """One LSTM step.   xw: (B, 4H); state: ((B, H), (B, H)) -> ((B, H), (B, H)).

    Gates in torch's order: input i, forget f, cell candidate g, output o;
    c' = f * c + i * g, h' = o * tanh(c').
    """
    h, c = state
    i, f, g, o = lstm_gate_values(xw, h, w_hh, b_hh)
    c = f * c + i * g
    h = o * torch.tanh(c)
    return h, c


def lstm_gate_values(xw: torch.Tensor, h: torch.Tensor, w_hh, b_hh):
    """The activated gates (i, f, g, o) of one LSTM step, each (B, H)."""
    gates = torch.addmm(xw if b_hh is None else xw + b_hh, h, w_hh.T)  # (B, 4H)
    i, f, _, o = torch.sigmoid(gates).chunk(4, dim=-1)  # one call for the three gates
    g = torch.tanh(gates[:, 2 * h.shape[-1] : 3 * h.shape[-1]])
    return i, f, g, o


def gru_cell(xw: torch.Tensor, h: torch.Tensor, w_hh, b_hh):
    """One GRU step.   xw: (B, 3H); h: (B, H) -> (B, H).

    Gates in torch's order: reset r, update z, candidate n;
    n = tanh(x_n + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.
    """
    _, z, n = gru_gate_values(xw, h, w_hh, b_hh)
    return n + z * (h - n)  # = (1 - z) * n + z * h


def gru_gate_values(xw: torch.Tensor, h: torch.Tensor, w_hh, b_hh):
    """The reset gate r, update gate z and candidate n of one GRU step, each (B, H)."""
    hw = h @ w_hh.T if b_hh is None else torch.addmm(b_hh, h, w_hh.T)  # (B, 3H)
    two = 2 * h.shape[-1]
    r, z = torch.sigmoid(xw[:, :two] + hw[:, :two]).chunk(2, dim=-1)  # one call for both
    n = torch.tanh(xw[:, two:] + r * hw[:, two:])
    return r, z, n


class _Recurrent(nn.Module):
    """A stack of recurrent layers with torch's parameter names (weight_ih_l0, ...)."""

    gates = 1
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
        for name, value in (
            ("input_size", input_size),
            ("hidden_size", hidden_size),
            ("num_layers", num_layers),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
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
        get = lambda name: getattr(self, f"{name}_l{k}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    # subclasses define one step; the loop over time is shared
    def _step(self, xw_t, state, w_hh, b_hh):
        raise NotImplementedError

    @staticmethod
    def _hidden(state) -> torch.Tensor:
        return state

    def _run_layer(self, xw, state, w_hh, b_hh, keep=None):
        """xw: (B, L, gates*H) -> states (B, L, H) and the final state.

        ``keep`` (L, B, 1) bool: where False (padding) the state is carried unchanged.
        """
        xw = xw.transpose(0, 1).contiguous()  # (L, B, gates*H): each step contiguous
        outputs = []
        for t, xw_t in enumerate(xw):
            new = self._step(xw_t, state, w_hh, b_hh)
            state = new if keep is None else self._carry(keep[t], new, state)
            outputs.append(self._hidden(state))
        return torch.stack(outputs, dim=1), state

    @staticmethod
    def _carry(keep, new, old):
        return torch.where(keep, new, old)

    def _initial_state(self, h0, batch: int, ref: torch.Tensor):
        return self._check_h0(h0, batch, ref, "h0")

    def _check_h0(self, h0, batch: int, ref: torch.Tensor, name: str) -> torch.Tensor:
        shape = (self.num_layers, batch, self.hidden_size)
        if h0 is None:
            return ref.new_zeros(shape)
        if not isinstance(h0, torch.Tensor):
            raise TypeError(f"{name} must be a tensor of shape {shape}, got {type(h0).__name__}")
        if tuple(h0.shape) != shape:
            raise ValueError(
                f"{name} must have shape (num_layers, batch, hidden_size) = {shape}, "
                f"got {tuple(h0.shape)}"
            )
        return h0

    def _check_input(self, x) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a tensor, got {type(x).__name__}")
        order = "(batch, length, input_size)" if self.batch_first else "(length, batch, input_size)"
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(
                f"x must have shape {order} with input_size={self.input_size}, got {tuple(x.shape)}"
            )
        self._check_dtype("x", x)
        length = x.shape[1] if self.batch_first else x.shape[0]
        if length == 0:
            raise ValueError("x is an empty sequence (length 0); give at least one time step")
        return x if self.batch_first else x.transpose(0, 1)

    def _check_dtype(self, name: str, x: torch.Tensor) -> None:
        """Inputs are feature vectors of the weights' dtype; token ids (integers) need an
        embedding first."""
        expected = self.layer(0)[0].dtype
        if x.dtype == expected:
            return
        hint = (
            " (token ids? embed them first, e.g. with nn.Embedding, or use RNNLM)"
            if not x.is_floating_point()
            else f" (convert with {name}.to({expected}) or the module with .to({x.dtype}))"
        )
        raise TypeError(
            f"{name} must be a floating-point tensor of dtype {expected} (the weights' dtype), "
            f"got {x.dtype}{hint}"
        )

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
        x = self._check_input(x)  # (B, L, input_size)
        keep = None if mask is None else _check_step_mask(mask, x.shape[:2])
        state = self._initial_state(h0, x.shape[0], x)
        finals = []
        for k in range(self.num_layers):
            _, w_hh, _, b_hh = self.layer(k)
            xw = self._input_projection(x, k)
            if self.fold_hidden_bias and b_hh is not None:
                xw, b_hh = xw + b_hh, None  # added once for all steps, not once per step
            steps = None if keep is None else keep.T[..., None]  # (L, B, 1)
            x, final = self._run_layer(xw, self._layer_state(state, k), w_hh, b_hh, steps)
            finals.append(final)
        if keep is not None:
            x = x * keep[..., None]  # padded steps output zeros
        output = x if self.batch_first else x.transpose(0, 1)
        return output, self._stack(finals)

    def step(self, x_t: torch.Tensor, state):
        """One time step of a one-layer module, for decoders that build each input as
        they go.

        Shape:
            x_t ``(B, input_size)``, state ``(B, H)`` (LSTM: a pair ``(h, c)``) -> the new
            state, same form.
        """
        if self.num_layers != 1:
            raise ValueError(f"step needs a one-layer module, this one has {self.num_layers}")
        if x_t.dim() != 2 or x_t.shape[1] != self.input_size:
            raise ValueError(
                f"x_t must have shape (batch, {self.input_size}), got {tuple(x_t.shape)}"
            )
        self._check_dtype("x_t", x_t)
        _, w_hh, _, b_hh = self.layer(0)
        return self._step(self._input_projection(x_t, 0), state, w_hh, b_hh)

    def _input_projection(self, x: torch.Tensor, k: int) -> torch.Tensor:
        """W_ih x_t + b_ih for every step of layer ``k`` in one product: (B, L, gates*H)."""
        w_ih, _, b_ih, _ = self.layer(k)
        xw = x @ w_ih.T
        return xw if b_ih is None else xw + b_ih

    def _layer_state(self, state, k):
        return state[k]

    def _stack(self, finals):
        return torch.stack(finals)

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
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first)
        self.nonlinearity = nonlinearity

    def _step(self, xw_t, h, w_hh, b_hh):
        return rnn_cell(xw_t, h, w_hh, b_hh, self.nonlinearity)

    @staticmethod
    def _twin_kwargs(module) -> dict:
        return {**_Recurrent._twin_kwargs(module), "nonlinearity": module.nonlinearity}


class LSTM(_Recurrent):
    """Long short-term memory, equal to ``nn.LSTM`` (gates i, f, g, o).

    Shape:
        x ``(B, L, input_size)``, ``(h0, c0)`` each ``(num_layers, B, H)`` ->
        output ``(B, L, H)``, ``(h_n, c_n)`` each ``(num_layers, B, H)``.

    Taught in chapter 3.
    """

    gates = 4
    twin = nn.LSTM

    def _initial_state(self, h0, batch, ref):
        if h0 is None:
            return self._check_h0(None, batch, ref, "h0"), self._check_h0(None, batch, ref, "c0")
        if not (isinstance(h0, tuple) and len(h0) == 2):
            raise TypeError("LSTM h0 must be a pair (h0, c0) of tensors, or None")
        return self._check_h0(h0[0], batch, ref, "h0"), self._check_h0(h0[1], batch, ref, "c0")

    def _layer_state(self, state, k):
        return state[0][k], state[1][k]

    def _step(self, xw_t, state, w_hh, b_hh):
        return lstm_cell(xw_t, state, w_hh, b_hh)

    @staticmethod
    def _hidden(state) -> torch.Tensor:
        return state[0]

    def _stack(self, finals):
        return torch.stack([h for h, _ in finals]), torch.stack([c for _, c in finals])

    @staticmethod
    def _carry(keep, new, old):
        return torch.where(keep, new[0], old[0]), torch.where(keep, new[1], old[1])


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

    def _step(self, xw_t, h, w_hh, b_hh):
        return gru_cell(xw_t, h, w_hh, b_hh)


def _check_step_mask(mask, shape) -> torch.Tensor:
    """A right-padding mask (B, L): bool, True on a non-empty prefix of each row."""
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError("mask must be a bool tensor (True on real steps)")
    if tuple(mask.shape) != tuple(shape):
        raise ValueError(
            f"mask must have shape (batch, length) = {tuple(shape)}, got {tuple(mask.shape)}"
        )
    if not mask.any(dim=1).all():
        raise ValueError("mask has an empty sequence (a row with no True); lengths must be >= 1")
    if not mask[:, 0].all() or (mask[:, 1:] & ~mask[:, :-1]).any():
        raise ValueError("mask must be True on a prefix of each row (right padding)")
    return mask


def _walk_one_layer(module: _Recurrent, x: torch.Tensor):
    """Run a one-layer ``module`` step by step, as ``forward`` does, yielding
    ``(xw_t, state before, state after)`` so a caller can inspect each step."""
    x = module._check_input(x)  # (B, L, D)
    _, w_hh, _, b_hh = module.layer(0)
    state = module._layer_state(module._initial_state(None, x.shape[0], x), 0)
    for xw_t in module._input_projection(x, 0).unbind(1):  # each (B, gates*H)
        before, state = state, module._step(xw_t, state, w_hh, b_hh)
        yield xw_t, before, state


def _check_one_layer(module, kinds: tuple[type, ...], names: str) -> None:
    if not isinstance(module, kinds) or module.num_layers != 1:
        raise ValueError(f"module must be a one-layer seqlab {names}")


@torch.no_grad()
def gate_trace(module: LSTM | GRU, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The gate activations of a one-layer :class:`LSTM` or :class:`GRU` at every step.

    Args:
        module: a one-layer seqlab LSTM or GRU.
        x: ``(B, L, input_size)``.

    Returns:
        Each ``(B, L, H)``. LSTM: ``input``, ``forget``, ``output`` (sigmoid gates),
        ``candidate`` (tanh), the cell state ``c`` and ``h``. GRU: ``reset``, ``update``,
        ``candidate`` and ``h``.

    Taught in chapter 3.
    """
    _check_one_layer(module, (LSTM, GRU), "LSTM or GRU")
    _, w_hh, _, b_hh = module.layer(0)
    lstm = isinstance(module, LSTM)
    names = ("input", "forget", "candidate", "output") if lstm else ("reset", "update", "candidate")
    gate_values = lstm_gate_values if lstm else gru_gate_values
    trace: dict[str, list[torch.Tensor]] = {k: [] for k in (*names, "c", "h")}
    for xw_t, before, after in _walk_one_layer(module, x):
        values = gate_values(xw_t, module._hidden(before), w_hh, b_hh)
        for name, value in zip(names, values, strict=True):
            trace[name].append(value)
        trace["h"].append(module._hidden(after))
        if lstm:
            trace["c"].append(after[1])
    return {name: torch.stack(v, dim=1) for name, v in trace.items() if v}


@torch.no_grad()
def set_spectral_radius(
    module: _Recurrent, rho: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Give a one-layer vanilla :class:`RNN` a random recurrent matrix of spectral radius ``rho``.

    ``W_hh`` becomes a Gaussian matrix rescaled so its largest eigenvalue modulus is
    ``rho``: the knob of the eigenvalue argument for vanishing and exploding gradients.

    Returns:
        The new ``W_hh``, ``(H, H)``.

    Taught in chapter 2.
    """
    _check_one_layer(module, (RNN,), "RNN")
    if not rho > 0:
        raise ValueError(f"rho must be positive, got {rho!r}")
    h = module.hidden_size
    w = torch.randn(h, h, generator=generator, dtype=torch.float64)
    w *= rho / torch.linalg.eigvals(w).abs().max()
    module.weight_hh_l0.copy_(w.to(module.weight_hh_l0.dtype))
    return module.weight_hh_l0


def state_gradient_norms(module: _Recurrent, x: torch.Tensor) -> torch.Tensor:
    """How strongly the last state depends on each earlier one, by backpropagation.

    Runs a one-layer ``module`` over ``x`` and returns ``||dL/dh_t||`` for every step
    ``t``, where ``L`` is the sum of the last hidden state ``h_L``: the size of the
    gradient that backpropagation through time delivers to step ``t``.

    Args:
        module: a one-layer :class:`RNN`, :class:`LSTM` or :class:`GRU`.
        x: ``(B, L, input_size)``.

    Returns:
        ``(L,)`` gradient norms (over batch and features), step 1 first.

    Taught in chapters 1 and 2.
    """
    _check_one_layer(module, (_Recurrent,), "RNN, LSTM or GRU")
    hidden = []
    for _, _, state in _walk_one_layer(module, x):
        h = module._hidden(state)
        h.retain_grad()
        hidden.append(h)
    hidden[-1].sum().backward()
    return torch.stack([h.grad.norm() for h in hidden]).detach()


CELLS: dict[str, type[_Recurrent]] = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


@dataclass
class RNNLMConfig:
    """Size of a character language model. ``cell`` is ``"rnn"``, ``"lstm"`` or ``"gru"``."""

    vocab_size: int
    d_embed: int = 32
    hidden_size: int = 128
    num_layers: int = 1
    cell: str = "lstm"


class RNNLM(nn.Module):
    """Embedding -> recurrent stack (from scratch) -> linear head over the vocabulary.

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
        if config.cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {config.cell!r}")
        if isinstance(config.vocab_size, bool) or not isinstance(config.vocab_size, int):
            raise ValueError(f"vocab_size must be a positive int, got {config.vocab_size!r}")
        if config.vocab_size < 1:
            raise ValueError(f"vocab_size must be a positive int, got {config.vocab_size!r}")
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.d_embed)
        self.rnn = CELLS[config.cell](config.d_embed, config.hidden_size, config.num_layers)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, tokens: torch.Tensor, state=None):
        if not isinstance(tokens, torch.Tensor) or tokens.dim() != 2 or tokens.dtype != torch.long:
            got = tuple(tokens.shape) if isinstance(tokens, torch.Tensor) else type(tokens).__name__
            raise ValueError(f"tokens must be an int64 tensor of shape (batch, length), got {got}")
        if tokens.numel() and (tokens.min() < 0 or tokens.max() >= self.config.vocab_size):
            raise ValueError(
                f"token ids must be in [0, {self.config.vocab_size - 1}], "
                f"got min {tokens.min().item()} and max {tokens.max().item()}"
            )
        out, state = self.rnn(self.embed(tokens), state)  # (B, L, H)
        return self.head(out), state

    @torch.no_grad()
    def generate(
        self,
        prompt,
        n: int,
        temperature: float = 1.0,
        *,
        vocab=None,
        generator: torch.Generator | None = None,
    ):
        """Continue ``prompt`` by ``n`` sampled tokens, carrying the recurrent state.

        Args:
            prompt: a non-empty string (with ``vocab``) or a 1-D tensor of ids.
            n: number of tokens to add.
            temperature: > 0 divides the logits before sampling; 0 picks the argmax.
            vocab: a :class:`~seqlab.data.text.CharVocab` for string prompts.

        Returns:
            The prompt followed by its continuation: a string if ``prompt`` is one, else a
            1-D tensor of ids.
        """
        if isinstance(prompt, str):
            if vocab is None:
                raise ValueError("a string prompt needs vocab= to encode it")
            ids = vocab.encode(prompt)
        elif isinstance(prompt, torch.Tensor) and prompt.dim() == 1:
            ids = prompt.long()
        else:
            raise TypeError("prompt must be a str or a 1-D tensor of token ids")
        if len(ids) == 0:
            raise ValueError("prompt is empty: give at least one token to condition on")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be an int >= 0, got {n!r}")
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        was_training = self.training
        self.eval()
        device = next(self.parameters()).device
        logits, state = self(ids[None].to(device))  # (1, P, V)
        out = [ids.to(device)]
        for _ in range(n):
            last = logits[0, -1]
            if temperature == 0:
                token = last.argmax()[None]
            else:
                probs = torch.softmax(last / temperature, dim=-1)
                token = torch.multinomial(probs.cpu(), 1, generator=generator).to(device)
            out.append(token)
            logits, state = self(token[None], state)
        self.train(was_training)
        ids = torch.cat(out)
        return vocab.decode(ids) if isinstance(prompt, str) else ids


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
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        self.rnn = CELLS[cell](input_size, hidden_size)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)  # (B, L, H)
        return self.head(out[:, -1]).squeeze(-1)  # (B,)
