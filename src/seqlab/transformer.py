"""The Transformer, from its layers up.

An encoder layer is self-attention then a feed-forward block, each wrapped in a residual
connection and a layer norm: after the addition ("post-LN", Vaswani et al. 2017, torch's
default) or before the sublayer ("pre-LN", Xiong et al. 2020). A decoder layer adds
attention over the encoder's output between the two. ``EncoderLayer`` and
``DecoderLayer`` equal ``nn.TransformerEncoderLayer`` and ``nn.TransformerDecoderLayer``
(``batch_first=True``, ReLU) and copy them with ``from_torch``.

Dropout, where Vaswani et al. put it: on the sum of token embeddings and positions, and
on each sublayer's output before it is added to the stream; and, as in PyTorch's layers,
on the attention weights and inside the feed-forward block. Two more
options of their recipe: the output layer sharing the token embedding
(``tie_weights``, Press & Wolf 2017) and token embeddings scaled by
``sqrt(d_model)`` (``scale_embedding``). All three are off by default.

Three models are built from them: ``TransformerEncoder`` (tokens to vectors),
``TransformerLM`` (decoder-only, causal, with cached generation) and ``Transformer``
(encoder–decoder, with the same ``encode`` / ``decoder.step`` protocol as
:class:`seqlab.seq2seq.Seq2Seq`, so ``translate`` and ``exact_match`` work on both).

Taught in chapters 7 (``TransformerLM``, first used for the experiment on heads) and 9
(the layers and the three models in full).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from seqlab import _checks, sampling
from seqlab.positional import LearnedPositionalEmbedding, RotaryEmbedding, SinusoidalEncoding
from seqlab.self_attention import KVCache, MultiHeadAttention

__all__ = [
    "POSITIONALS",
    "DecoderLayer",
    "EncoderLayer",
    "TorchLM",
    "Transformer",
    "TransformerConfig",
    "TransformerEncoder",
    "TransformerLM",
    "TransformerTagger",
]

POSITIONALS = ("sinusoidal", "learned", "rope", "none")


def _feed_forward(layer, x):
    """The position-wise feed-forward block: linear2(dropout(relu(linear1(x))))."""
    return layer.linear2(layer.dropout(torch.relu(layer.linear1(x))))  # (B, L, d_model)


def _check_twin(module, twin_class):
    if type(module) is not twin_class:
        raise TypeError(f"expected nn.{twin_class.__name__}, got {type(module).__name__}")
    act = module.activation
    if not (act is nn.functional.relu or isinstance(act, nn.ReLU)):
        raise ValueError("only the ReLU feed-forward (torch's default) is supported")
    if module.linear1.bias is None:
        raise ValueError("only layers with biases (bias=True) are supported")
    return {
        "d_model": module.linear1.in_features,
        "n_heads": module.self_attn.num_heads,
        "d_ff": module.linear1.out_features,
        "dropout": module.dropout.p,
        "norm_first": module.norm_first,
        "layer_norm_eps": module.norm1.eps,
    }


def _copy_twin(ours: nn.Module, module: nn.Module) -> nn.Module:
    ref = module.linear1.weight
    ours.to(dtype=ref.dtype, device=ref.device)
    ours.load_state_dict(module.state_dict())
    return ours


class _Layer(nn.Module):
    """The parts of a Transformer layer, under torch's names so that ``from_torch``
    copies a twin: self-attention (and, in a decoder layer, attention over the encoder's
    output), the feed-forward block, and one layer norm and one dropout per sublayer.

    Args:
        d_model, n_heads, d_ff: widths of the residual stream, heads, and hidden layer of
            the feed-forward block.
        dropout: on the attention weights and after each sublayer, while training.
        norm_first: pre-LN (``True``) or post-LN (``False``, torch's default).
        rotary: an optional :class:`~seqlab.positional.RotaryEmbedding` for the
            self-attention.
    """

    cross = False  # True for the decoder layer: it also attends to the encoder's output
    twin: type[nn.Module] = nn.Module

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        d_ff: int,
        dropout: float = 0.0,
        norm_first: bool = False,
        *,
        rotary: RotaryEmbedding | None = None,
        layer_norm_eps: float = 1e-5,
    ):
        super().__init__()
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(d_model, n_heads, dropout, rotary=rotary)
        if self.cross:
            self.multihead_attn = MultiHeadAttention(d_model, n_heads, dropout)  # over memory
        # the feed-forward block: d_model -> d_ff -> d_model
        self.linear1 = nn.Linear(d_model, d_ff)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(d_ff, d_model)
        # a layer norm and a dropout for each sublayer's residual connection
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        if self.cross:
            self.norm3 = nn.LayerNorm(d_model, eps=layer_norm_eps)
        self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout)
        if self.cross:
            self.dropout3 = nn.Dropout(dropout)
        self.last_weights = None

    @classmethod
    def from_torch(cls, module: nn.Module):
        """A copy of ``module`` (same sizes, weights, norm placement, dtype and device)."""
        return _copy_twin(cls(**_check_twin(module, cls.twin)), module)


class EncoderLayer(_Layer):
    """Self-attention and a feed-forward block, each with a residual connection and a
    layer norm; equal to ``nn.TransformerEncoderLayer(..., batch_first=True)``.

    Args: see :class:`_Layer` (``d_model, n_heads, d_ff, dropout, norm_first``,
    ``rotary``).

    Shape:
        x ``(B, L, d_model)``, mask bool broadcastable to ``(B, L, L)`` (True = may
        attend) -> ``(B, L, d_model)``. With ``need_weights=True`` the attention weights
        ``(B, n_heads, L, L)`` are kept in ``self.last_weights``.
    """

    twin = nn.TransformerEncoderLayer

    def _attend(self, x, mask, causal, need_weights, cache, layer):
        out, self.last_weights = self.self_attn(
            x, x, x, mask, need_weights=need_weights, causal=causal, cache=cache, layer=layer
        )
        return self.dropout1(out)

    def forward(self, x, mask=None, *, causal=False, need_weights=False, cache=None, layer=0):
        """x ``(B, L, d_model)`` -> ``(B, L, d_model)``; the keywords are
        :meth:`MultiHeadAttention.forward`'s (``layer`` indexes the ``cache``)."""
        args = (mask, causal, need_weights, cache, layer)
        if self.norm_first:
            x = x + self._attend(self.norm1(x), *args)
            return x + self.dropout2(_feed_forward(self, self.norm2(x)))
        x = self.norm1(x + self._attend(x, *args))
        return self.norm2(x + self.dropout2(_feed_forward(self, x)))


class DecoderLayer(_Layer):
    """Causal self-attention, attention over the encoder's output (``memory``), and a
    feed-forward block; equal to ``nn.TransformerDecoderLayer(..., batch_first=True)``.

    Args: as :class:`EncoderLayer`.

    Shape:
        x ``(B, T, d_model)``, memory ``(B, S, d_model)``, self_mask broadcastable to
        ``(B, T, T)``, memory_mask broadcastable to ``(B, T, S)`` (e.g. a padding mask
        ``(B, 1, S)``) -> ``(B, T, d_model)``. With ``need_weights=True`` the
        cross-attention weights ``(B, n_heads, T, S)`` are kept in ``self.last_weights``.
    """

    cross = True
    twin = nn.TransformerDecoderLayer

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        self_mask: torch.Tensor | None = None,
        memory_mask: torch.Tensor | None = None,
        *,
        causal: bool = False,
        need_weights: bool = False,
        cache: KVCache | None = None,
        layer: int = 0,
    ) -> torch.Tensor:
        def self_block(h):
            out, _ = self.self_attn(
                h, h, h, self_mask, need_weights=False, causal=causal, cache=cache, layer=layer
            )
            return self.dropout1(out)

        def cross_block(h):
            out, self.last_weights = self.multihead_attn(
                h, memory, memory, memory_mask, need_weights=need_weights
            )
            return self.dropout2(out)

        if self.norm_first:
            x = x + self_block(self.norm1(x))
            x = x + cross_block(self.norm2(x))
            return x + self.dropout3(_feed_forward(self, self.norm3(x)))
        x = self.norm1(x + self_block(x))
        x = self.norm2(x + cross_block(x))
        return self.norm3(x + self.dropout3(_feed_forward(self, x)))


@dataclass
class TransformerConfig:
    """Size and kind of a Transformer.

    Attributes (defaults in brackets):
        vocab_size: token ids (the source's, for the encoder–decoder).
        d_model, n_heads, n_layers, d_ff: widths and depth (64, 4, 2, 256).
        max_len: the longest input, a hard limit with learned positions (256).
        dropout: while training, on embeddings plus positions, on each sublayer's
            output, on attention weights and in the feed-forward block (0.0).
        positional: ``"sinusoidal"``, ``"learned"``, ``"rope"`` or ``"none"``
            (``"sinusoidal"``).
        norm_first: pre-LN (``True``) or post-LN (``False``) (``True``).
        tgt_vocab_size: target ids of the encoder–decoder (``vocab_size``).
        tie_weights: the output layer of ``TransformerLM`` (and the decoder of
            ``Transformer``) reuses the token embedding as its weight, which saves
            ``vocab_size * d_model`` parameters; the shared matrix starts at
            ``N(0, 1/d_model)``, so that logits start small (``False``).
        scale_embedding: multiply token embeddings by ``sqrt(d_model)`` before adding
            positions, as Vaswani et al. (``False``).
    """

    vocab_size: int
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    d_ff: int = 256
    max_len: int = 256
    dropout: float = 0.0
    positional: str = "sinusoidal"
    norm_first: bool = True
    tgt_vocab_size: int | None = None
    tie_weights: bool = False
    scale_embedding: bool = False

    def __post_init__(self):
        if self.tgt_vocab_size is None:
            self.tgt_vocab_size = self.vocab_size
        _checks.transformer_config(self, POSITIONALS)
        _checks.flag("tie_weights", self.tie_weights)
        _checks.flag("scale_embedding", self.scale_embedding)


class _Embedding(nn.Module):
    """Token embedding (times ``sqrt(d_model)`` with ``scale_embedding``) plus the
    configured positional encoding (RoPE lives in attention), then dropout.

    Shape:
        tokens ``(B, L)`` -> ``(B, L, d_model)``.
    """

    def __init__(self, vocab_size: int, config: TransformerConfig):
        super().__init__()
        self.vocab_size, self.positional = vocab_size, config.positional
        self.max_len = config.max_len if config.positional == "learned" else None
        self.scale = math.sqrt(config.d_model) if config.scale_embedding else 1.0
        self.tokens = nn.Embedding(vocab_size, config.d_model)
        self.dropout = nn.Dropout(config.dropout)
        if config.positional == "sinusoidal":
            self.position = SinusoidalEncoding(config.max_len, config.d_model)
        elif config.positional == "learned":
            self.position = LearnedPositionalEmbedding(config.max_len, config.d_model)
        else:
            self.position = None

    def forward(self, tokens: torch.Tensor, offset: int = 0, name: str = "tokens"):
        _checks.token_ids(name, tokens, self.vocab_size, self.max_len, offset)
        x = self.tokens(tokens) * self.scale  # (B, L, d_model)
        x = x if self.position is None else self.position(x, offset)
        return self.dropout(x)  # "dropout to the sums of the embeddings and positions"


def _head(config: TransformerConfig, embed: _Embedding) -> nn.Linear:
    """The output layer ``d_model -> vocab``: its own weight, or with ``tie_weights``
    the token embedding's (re-initialised to ``N(0, 1/d_model)``; Press & Wolf 2017)."""
    head = nn.Linear(config.d_model, embed.vocab_size)
    if config.tie_weights:
        nn.init.normal_(embed.tokens.weight, std=config.d_model**-0.5)
        head.weight = embed.tokens.weight  # one (vocab, d_model) parameter, two uses
    return head


def _rotary(config: TransformerConfig) -> RotaryEmbedding | None:
    return (
        RotaryEmbedding(config.d_model // config.n_heads) if config.positional == "rope" else None
    )


def _parts(layer: type[_Layer], config: TransformerConfig, vocab_size: int):
    """What every stack is made of: the embedding (with positions), ``config.n_layers``
    layers of the configured sizes, and the final norm."""
    return _Embedding(vocab_size, config), _stack(layer, config), _final_norm(config)


def _stack(layer: type[_Layer], config: TransformerConfig) -> nn.ModuleList:
    """``config.n_layers`` layers of the configured sizes."""
    options = {
        "d_model": config.d_model,
        "n_heads": config.n_heads,
        "d_ff": config.d_ff,
        "dropout": config.dropout,
        "norm_first": config.norm_first,
    }
    return nn.ModuleList(layer(**options, rotary=_rotary(config)) for _ in range(config.n_layers))


def _final_norm(config: TransformerConfig) -> nn.Module:
    # pre-LN leaves the residual stream un-normalised: one last norm before the output
    return nn.LayerNorm(config.d_model) if config.norm_first else nn.Identity()


def _padding_to_attention(padding_mask, tokens) -> torch.Tensor | None:
    """A padding mask ``(B, L)`` as an attention mask ``(B, 1, L)``: every query may look
    at the real keys."""
    if padding_mask is None:
        return None
    _checks.padding_mask(padding_mask, tokens.shape)
    return padding_mask[:, None, :]


class TransformerEncoder(nn.Module):
    """Embedding, positions and ``n_layers`` :class:`EncoderLayer`: tokens to vectors.

    Shape:
        tokens ``(B, L)`` int64, padding_mask ``(B, L)`` bool (True on real tokens) ->
        ``(B, L, d_model)``.
    """

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.embed, self.layers, self.norm = _parts(EncoderLayer, config, config.vocab_size)

    def forward(
        self,
        tokens: torch.Tensor,
        padding_mask: torch.Tensor | None = None,
        *,
        need_weights: bool = False,
    ):
        x = self.embed(tokens)
        mask = _padding_to_attention(padding_mask, tokens)
        for layer in self.layers:
            x = layer(x, mask, need_weights=need_weights)
        return self.norm(x)


class TransformerTagger(nn.Module):
    """A :class:`TransformerEncoder` with a linear head at every position: one label per
    input token, each position seeing the whole sequence (no causal mask).

    Shape:
        tokens ``(B, L)``, padding_mask ``(B, L)`` -> logits ``(B, L, n_classes)``.
    """

    def __init__(self, config: TransformerConfig, n_classes: int):
        super().__init__()
        _checks.integer("n_classes", n_classes)
        self.encoder = TransformerEncoder(config)
        self.head = nn.Linear(config.d_model, n_classes)

    def forward(self, tokens: torch.Tensor, padding_mask: torch.Tensor | None = None):
        return self.head(self.encoder(tokens, padding_mask))


class TransformerLM(nn.Module):
    """A decoder-only (GPT-style) language model: causal self-attention layers and a head
    predicting the next token.

    Shape:
        tokens ``(B, L)`` int64 -> logits ``(B, L, vocab_size)``; position ``t``'s logits
        depend on tokens ``0..t`` only.

    Example:
        >>> lm = TransformerLM(TransformerConfig(vocab_size=10, d_model=16, n_heads=2))
        >>> lm(torch.tensor([[1, 2, 3]])).shape
        torch.Size([1, 3, 10])
    """

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.embed, self.layers, self.norm = _parts(EncoderLayer, config, config.vocab_size)
        self.head = _head(config, self.embed)

    def forward(
        self, tokens: torch.Tensor, *, cache: KVCache | None = None, need_weights: bool = False
    ) -> torch.Tensor:
        offset = 0 if cache is None else cache.length
        x = self.embed(tokens, offset)
        for k, layer in enumerate(self.layers):
            x = layer(x, causal=True, need_weights=need_weights, cache=cache, layer=k)
        return self.head(self.norm(x))

    def attention_weights(self, tokens: torch.Tensor) -> list[torch.Tensor]:
        """Each layer's attention weights ``(B, n_heads, L, L)``, for plotting."""
        with torch.no_grad():
            self(tokens, need_weights=True)
        return [layer.last_weights for layer in self.layers]

    def next_logits(self, tokens: torch.Tensor, cache: KVCache | None = None):
        """Read ``tokens`` ``(B, T)`` after what ``cache`` holds (a new cache if ``None``):
        the next token's logits ``(B, V)`` and the cache (the protocol of
        :func:`seqlab.sampling.generate`)."""
        cache = KVCache(len(self.layers)) if cache is None else cache
        return self(tokens, cache=cache)[:, -1], cache

    def generate(
        self,
        prompt: torch.Tensor,
        n: int,
        temperature: float = 1.0,
        generator: torch.Generator | None = None,
        *,
        vocab=None,
        top_k: int | None = None,
        top_p: float | None = None,
    ) -> torch.Tensor:
        """Continue ``prompt`` ``(B, P)`` (or ``(P,)``, or a string with ``vocab``) by
        ``n`` tokens, sampling at ``temperature`` (``0`` takes the most likely token),
        cut to ``top_k`` tokens or the ``top_p`` nucleus if given, with
        :func:`seqlab.sampling.generate`. A :class:`KVCache` makes each new token
        cost one position of attention per layer, not a whole recomputation.

        Returns:
            ``(B, P + n)`` (or ``(P + n,)``, or a string): the prompt and its continuation.
        """
        learned = self.config.positional == "learned"
        return sampling.generate(
            self,
            prompt,
            n,
            temperature,
            vocab=vocab,
            generator=generator,
            max_len=self.config.max_len if learned else None,
            top_k=top_k,
            top_p=top_p,
        )


@dataclass
class _DecodeState:
    memory: torch.Tensor  # (B, S, d_model)
    memory_mask: torch.Tensor  # (B, 1, S)
    cache: KVCache


class TransformerDecoder(nn.Module):
    """The target side of :class:`Transformer`: embedding, :class:`DecoderLayer` stack,
    output head; ``step`` decodes one token with a cache."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.embed, self.layers, self.norm = _parts(DecoderLayer, config, config.tgt_vocab_size)
        self.head = _head(config, self.embed)

    def forward(self, tgt_in, memory, memory_mask, *, cache=None, need_weights=False):
        offset = 0 if cache is None else cache.length
        x = self.embed(tgt_in, offset, "tgt_in")
        for k, layer in enumerate(self.layers):
            x = layer(
                x,
                memory,
                None,
                memory_mask,
                causal=True,
                need_weights=need_weights,
                cache=cache,
                layer=k,
            )
        weights = self.layers[-1].last_weights if need_weights else None
        return self.head(self.norm(x)), weights

    def step(self, token: torch.Tensor, state: _DecodeState):
        """One decoding step: token ``(B,)`` -> logits ``(B, V)``, the state, and the last
        layer's cross-attention averaged over heads ``(B, S)``."""
        logits, weights = self(
            token[:, None], state.memory, state.memory_mask, cache=state.cache, need_weights=True
        )
        return logits[:, 0], state, weights[:, :, 0].mean(1)


class Transformer(nn.Module):
    """The encoder–decoder Transformer for the sequence-to-sequence tasks of Part II.

    It has :class:`seqlab.seq2seq.Seq2Seq`'s interface (``forward``, ``encode``,
    ``decoder.step``, ``task``), so ``seq2seq_loss``, ``translate`` and ``exact_match``
    work on it unchanged.

    Shape:
        src ``(B, S)``, src_mask ``(B, S)`` bool (True on real tokens), tgt_in ``(B, T)``
        -> logits ``(B, T, tgt_vocab_size)`` and, with ``need_weights=True``, the last
        layer's cross-attention averaged over heads ``(B, T, S)`` (else ``None``).
    """

    def __init__(self, config: TransformerConfig, task=None):
        super().__init__()
        self.config, self.task = config, task
        if task is not None:
            task.check_vocab_sizes(config.vocab_size, config.tgt_vocab_size)
        self.encoder = TransformerEncoder(config)
        self.decoder = TransformerDecoder(config)

    @classmethod
    def for_task(cls, task, **options) -> Transformer:
        """A model sized for ``task``'s vocabularies; ``options`` are the other
        :class:`TransformerConfig` fields."""
        config = TransformerConfig(
            len(task.src_vocab), tgt_vocab_size=len(task.tgt_vocab), **options
        )
        return cls(config, task)

    def encode(self, src: torch.Tensor, src_mask: torch.Tensor) -> _DecodeState:
        """Read the source; the decoder's start state (an empty cache inside)."""
        _checks.source_mask(src, src_mask)
        memory = self.encoder(src, src_mask)
        return _DecodeState(memory, src_mask[:, None, :], KVCache(self.config.n_layers))

    def forward(self, src, src_mask, tgt_in, *, need_weights: bool = False):
        _checks.source_mask(src, src_mask, tgt_in)
        memory = self.encoder(src, src_mask)
        logits, weights = self.decoder(
            tgt_in, memory, src_mask[:, None, :], need_weights=need_weights
        )
        return logits, None if weights is None else weights.mean(1)


class TorchLM(nn.Module):
    """:class:`TransformerLM`'s twin built from ``nn.TransformerEncoderLayer`` (same sizes,
    same parameter count, sinusoidal or no positions): the reference that chapter 9 and
    ``python -m seqlab.bench`` time ``TransformerLM`` against.

    Shape:
        tokens ``(B, L)`` -> logits ``(B, L, vocab_size)``.
    """

    def __init__(self, config: TransformerConfig):
        super().__init__()
        if config.positional not in ("sinusoidal", "none"):
            raise ValueError("TorchLM supports positional='sinusoidal' or 'none'")
        self.config = config
        self.embed = _Embedding(config.vocab_size, config)
        layer = nn.TransformerEncoderLayer(
            config.d_model,
            config.n_heads,
            config.d_ff,
            config.dropout,
            batch_first=True,
            norm_first=config.norm_first,
        )
        self.layers = nn.TransformerEncoder(layer, config.n_layers, enable_nested_tensor=False)
        self.norm = _final_norm(config)
        self.head = _head(config, self.embed)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens)
        length = tokens.shape[1]
        mask = nn.Transformer.generate_square_subsequent_mask(length, device=x.device)
        return self.head(self.norm(self.layers(x, mask=mask, is_causal=True)))
