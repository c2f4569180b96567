# Copyright 2026 The videobert_hf authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
# The encoder follows transformers' `models/bert/modeling_bert.py` (v5) so that a BERT checkpoint loads into it
# unchanged; VideoBERT adds the joint text/visual vocabulary, the three pretraining regimes and the alignment head.
"""PyTorch VideoBERT model."""

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.cache_utils import Cache, DynamicCache, EncoderDecoderCache
from transformers.dynamic_module_utils import custom_object_save
from transformers.generation import GenerationMixin
from transformers.loss.loss_utils import fixed_cross_entropy
from transformers.masking_utils import create_bidirectional_mask, create_causal_mask
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import (
    BaseModelOutput,
    BaseModelOutputWithPastAndCrossAttentions,
    BaseModelOutputWithPooling,
    MaskedLMOutput,
    Seq2SeqLMOutput,
    Seq2SeqModelOutput,
    SequenceClassifierOutput,
)
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS, PreTrainedModel
from transformers.processing_utils import Unpack
from transformers.utils import ModelOutput, TransformersKwargs, auto_docstring, logging
from transformers.utils.deprecation import deprecate_kwarg
from transformers.utils.generic import can_return_tuple, merge_with_config_defaults
from transformers.utils.output_capturing import OutputRecorder, capture_outputs

from .configuration_videobert import (
    ADDED_TOKENS,
    TEXT_TYPE_ID,
    VIDEO_TYPE_ID,
    VideoBertConfig,
    check_saved_num_codebooks,
)
from .io_videobert import checkpoint_load_errors
from .processing_videobert import TEXT_ONLY, TEXT_VIDEO, VIDEO_ONLY, sequence_regimes
from .visual_tokenizer_videobert import VideoBertVisualTokenizer


logger = logging.get_logger(__name__)

# The BertConfig fields that `from_text_pretrained` carries over.
BERT_CONFIG_FIELDS = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "max_position_embeddings",
    "type_vocab_size",
    "initializer_range",
    "layer_norm_eps",
    "pad_token_id",
)


def check_input_shapes(
    config: VideoBertConfig,
    input_ids: torch.Tensor | None,
    inputs_embeds: torch.Tensor | None,
    token_type_ids: torch.Tensor | None,
    position_ids: torch.Tensor | None,
    attention_mask: torch.Tensor | None,
) -> None:
    """
    Raise a `ValueError` naming the argument when the inputs' shapes do not fit the model. Reads shapes only, never the
    values (that would be a device-to-host read per forward): ids outside a table are reported by `out_of_range_error`.
    """
    if input_ids is not None and input_ids.dim() != 2:
        raise ValueError(f"input_ids must be 2-D (batch, sequence), got shape {tuple(input_ids.shape)}.")
    shape = input_ids.shape if input_ids is not None else inputs_embeds.shape[:2]
    name = "input_ids" if input_ids is not None else "inputs_embeds"
    if position_ids is None and shape[1] > config.max_position_embeddings:
        raise ValueError(
            f"{name} has {shape[1]} positions but the model allows max_position_embeddings="
            f"{config.max_position_embeddings}; truncate the sequence (the processor's `max_length`)."
        )
    # a 4-D attention_mask is a ready-made attention bias; the per-position inputs must match the sequence
    for other_name, other in (("token_type_ids", token_type_ids), ("attention_mask", attention_mask)):
        if other is not None and (other_name == "token_type_ids" or other.dim() == 2) and other.shape != shape:
            raise ValueError(
                f"{other_name} has shape {tuple(other.shape)}, {name} has {tuple(shape)}; they must match."
            )


def check_labels_shape(name: str, labels: torch.Tensor, expected_shape) -> None:
    """Raise a `ValueError` naming `name` when labels do not have the shape of the outputs they score (no device read)."""
    if tuple(labels.shape) != tuple(expected_shape):
        raise ValueError(f"{name} has shape {tuple(labels.shape)} but must have shape {tuple(expected_shape)}.")


# What each argument must hold, for `out_of_range_error`.
VALID_VALUES = {
    "input_ids": "ids of the joint vocabulary",
    "decoder_input_ids": "ids of the joint vocabulary (they are shifted from `labels` when not given)",
    "token_type_ids": f"{TEXT_TYPE_ID} (text) or {VIDEO_TYPE_ID} (video)",
    "position_ids": "positions of the position table (max_position_embeddings)",
    "labels": "-100 (ignored) or class ids",
    "alignment_labels": "-100 (ignored), 0 (not aligned) or 1 (aligned)",
}


def out_of_range_error(name: str, values: torch.Tensor, num_classes: int) -> ValueError:
    """
    The error for an argument that holds values outside `[0, num_classes)` (labels: besides -100), naming it.

    The forward does not read its inputs back to check them: on CPU an id outside a table makes the embedding lookup or
    the cross-entropy raise `IndexError`, which the caller turns into this error (on a GPU the same id stops the kernel
    with a device-side assertion). Only this error path reads the values, to report their range.
    """
    valid = values[values != -100] if name.endswith("labels") else values
    found = f"[{int(valid.min())}, {int(valid.max())}]" if valid.numel() else "none"
    return ValueError(f"{name} must hold {VALID_VALUES[name]} in [0, {num_classes}), got values in {found}.")


WORD_EMBEDDINGS_KEY = "embeddings.word_embeddings.weight"


def saved_word_embeddings_shape(directory: Path) -> tuple[int, ...] | None:
    """
    Shape of the word embeddings of a local checkpoint folder, read from its safetensors header (no tensor is loaded);
    None when the folder has no safetensors weights that can be read (the load itself then reports the problem).
    """
    from safetensors import SafetensorError, safe_open

    index = directory / "model.safetensors.index.json"
    try:
        key = None
        if index.is_file():
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
            key = next((name for name in weight_map if name.endswith(WORD_EMBEDDINGS_KEY)), None)
            if key is None:
                return None
            file = directory / weight_map[key]
        else:
            file = directory / "model.safetensors"
        if not file.is_file():
            return None
        with safe_open(file, framework="pt") as weights:
            key = key or next((name for name in weights.keys() if name.endswith(WORD_EMBEDDINGS_KEY)), None)
            return None if key is None else tuple(weights.get_slice(key).get_shape())
    except (OSError, ValueError, KeyError, TypeError, AttributeError, SafetensorError):
        return None


def _check_num_codebooks(folder: Path, wanted: int | None) -> None:
    check_saved_num_codebooks(
        folder,
        wanted,
        "{folder} holds a model trained with num_codebooks={saved} visual words per clip, not num_codebooks={wanted}:"
        " its visual words cannot be read as another number of codebooks.",
    )


def check_vocabulary_fits_weights(directory: Path, config: VideoBertConfig | None = None) -> None:
    """
    Raise a `RuntimeError` that explains the joint vocabulary when the config of a local checkpoint folder (or the
    `config` given) describes other word embeddings than the folder's weights hold: a `vocab_size`, visual tree or
    hidden size edited in config.json, or taken from another checkpoint. Only headers are read.
    """
    if not directory.is_dir():
        return
    if not isinstance(config, VideoBertConfig):
        if config is not None or not (directory / "config.json").is_file():
            return
        try:
            config = VideoBertConfig.from_pretrained(directory)
        except (OSError, ValueError):  # the load reports an unreadable config itself
            return
    saved = saved_word_embeddings_shape(directory)
    expected = (config.vocab_size, config.hidden_size)
    if saved is None or saved == expected:
        return
    raise RuntimeError(
        f"The weights in {directory} do not have the shapes its config describes: the word embeddings are "
        f"{saved[0]} x {saved[-1]}, the config says vocab_size x hidden_size = {expected[0]} x {expected[1]}. The "
        f"config's joint vocabulary has vocab_size={config.vocab_size} rows (text_vocab_size={config.text_vocab_size}, "
        f"{len(ADDED_TOKENS)} added tokens, then the visual tokens from visual_token_offset="
        f"{config.visual_token_offset}, visual_vocab_size={config.visual_vocab_size}): a vocab_size, "
        "visual vocabulary or hidden size edited in config.json, or taken from another checkpoint, no longer matches the "
        "word embeddings and the prediction head."
    )


class VideoBertEmbeddings(nn.Module):
    """Token (joint text + visual vocabulary) + segment (text / video) + position embeddings, as BERT's."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.position_ids = nn.Buffer(torch.arange(config.max_position_embeddings).expand((1, -1)), persistent=False)

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        token_type_ids: torch.LongTensor | None = None,
        position_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
    ) -> torch.Tensor:
        if inputs_embeds is None:
            inputs_embeds = lookup(self.word_embeddings, input_ids, "input_ids")
        seq_length = inputs_embeds.shape[1]
        if position_ids is None:
            position_ids = self.position_ids[:, :seq_length]
        if token_type_ids is None:
            token_type_ids = torch.zeros(inputs_embeds.shape[:2], dtype=torch.long, device=inputs_embeds.device)
        embeddings = inputs_embeds + lookup(self.token_type_embeddings, token_type_ids, "token_type_ids")
        embeddings = embeddings + lookup(self.position_embeddings, position_ids, "position_ids")
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


def lookup(embedding: nn.Embedding, ids: torch.Tensor, name: str) -> torch.Tensor:
    """`embedding(ids)`, with an id outside the table reported as a `ValueError` naming the argument."""
    try:
        return embedding(ids)
    except IndexError as error:
        raise out_of_range_error(name, ids, embedding.num_embeddings) from error


@dataclass
class ClipFold:
    """
    Where `codebook_layout="summed"` puts each position (see `fold_clip_words`): `index` `(batch, folded_length)`, the
    original position each folded slot reads; `valid` `(batch, folded_length)`, False on the padding slots of rows
    shorter than the longest; `unfold` `(batch, length)`, the folded slot each original position reads back;
    `codebook` `(batch, length)`, the codebook of each clip word (-1 elsewhere).
    """

    index: torch.Tensor
    valid: torch.Tensor
    unfold: torch.Tensor
    codebook: torch.Tensor


def fold_clip_words(token_type_ids: torch.Tensor, attention_mask: torch.Tensor | None, num_codebooks: int) -> ClipFold:
    """
    The layout of `codebook_layout="summed"`: a clip's `num_codebooks` G words (G consecutive positions of segment 1, the
    processor's layout, see `build_videobert_inputs`) fold into the position of its first word. The clip words are the
    attended segment-1 positions but the segment's last (`[SEP]`), in whole clips; every other attended position keeps a
    slot of its own, in order, and padding is dropped (rows are re-padded to the longest folded row). Reads one number
    back from the device (the longest folded row, which sizes the folded batch), as boolean-mask indexing does.
    """
    attended = torch.ones_like(token_type_ids, dtype=torch.bool) if attention_mask is None else attention_mask.bool()
    video = (token_type_ids == VIDEO_TYPE_ID) & attended
    clip_word = torch.zeros_like(video)
    clip_word[:, :-1] = video[:, :-1] & video[:, 1:]  # a video position followed by another: not the segment's [SEP]
    rank = torch.cumsum(clip_word, dim=1) - 1
    words = clip_word.sum(dim=1)
    if bool((words % num_codebooks).any()):
        row = int((words % num_codebooks).nonzero()[0, 0])
        raise ValueError(
            f"Row {row} of the batch has {int(words[row])} visual words, not whole clips of num_codebooks="
            f"{num_codebooks}: codebook_layout='summed' sums each clip's {num_codebooks} consecutive words."
        )
    codebook = torch.where(clip_word, rank % num_codebooks, -1)
    keep = attended & (codebook <= 0)  # every attended position but a clip's second, third ... word
    length = int(keep.sum(dim=1).max())
    index = torch.sort((~keep).to(torch.uint8), dim=1, stable=True).indices[:, :length]
    unfold = (torch.cumsum(keep, dim=1) - 1).clamp(min=0)
    return ClipFold(index=index, valid=keep.gather(1, index), unfold=unfold, codebook=codebook)


def sum_clip_words(embeddings: torch.Tensor, fold: ClipFold, num_codebooks: int) -> torch.Tensor:
    """`(batch, length, hidden)` word embeddings -> `(batch, folded_length, hidden)`: each clip's words summed."""
    summed = embeddings.clone()
    first = (fold.codebook == 0).unsqueeze(-1)
    for g in range(1, num_codebooks):
        summed[:, :-g] = summed[:, :-g] + torch.where(first[:, :-g], embeddings[:, g:], 0)
    return summed.gather(1, fold.index.unsqueeze(-1).expand(-1, -1, summed.shape[-1]))


def eager_attention_forward(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float,
    dropout: float = 0.0,
    **kwargs: Unpack[TransformersKwargs],
):
    attn_weights = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        attn_weights = attn_weights + attention_mask
    attn_weights = nn.functional.softmax(attn_weights, dim=-1)
    attn_weights = nn.functional.dropout(attn_weights, p=dropout, training=module.training)
    attn_output = torch.matmul(attn_weights, value)
    attn_output = attn_output.transpose(1, 2).contiguous()
    return attn_output, attn_weights


class VideoBertSelfAttention(nn.Module):
    """
    Multi-head self-attention dispatched through transformers' attention interface: bidirectional in the encoder;
    causal, with a key/value cache for generation, in the caption decoder.
    """

    def __init__(self, config: VideoBertConfig, is_causal: bool = False, layer_idx: int | None = None):
        super().__init__()
        self.config = config
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.scaling = self.attention_head_size**-0.5
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)
        self.is_causal = is_causal
        self.layer_idx = layer_idx

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        cache: Cache | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        hidden_shape = (*hidden_states.shape[:-1], -1, self.attention_head_size)
        query = self.query(hidden_states).view(hidden_shape).transpose(1, 2)
        key = self.key(hidden_states).view(hidden_shape).transpose(1, 2)
        value = self.value(hidden_states).view(hidden_shape).transpose(1, 2)
        if cache is not None:
            self_cache = cache.self_attention_cache if isinstance(cache, EncoderDecoderCache) else cache
            key, value = self_cache.update(key, value, self.layer_idx)
        return self.attend(query, key, value, attention_mask, **kwargs)

    def attend(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        attention_mask: torch.Tensor | None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Heads `(batch, heads, length, head_size)` in, `(batch, length, hidden_size)` and the weights out."""
        attention_interface: Callable = ALL_ATTENTION_FUNCTIONS.get_interface(
            self.config._attn_implementation, eager_attention_forward
        )
        attn_output, attn_weights = attention_interface(
            self,
            query,
            key,
            value,
            attention_mask,
            dropout=0.0 if not self.training else self.dropout.p,
            scaling=self.scaling,
            **kwargs,
        )
        attn_output = attn_output.reshape(query.shape[0], query.shape[2], -1).contiguous()
        return attn_output, attn_weights


class VideoBertCrossAttention(VideoBertSelfAttention):
    """
    Multi-head attention from the caption decoder to the encoder's video states: the queries come from the decoder, the
    keys and values from the encoder (computed once per generation and cached).
    """

    def forward(
        self,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        cache: EncoderDecoderCache | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        hidden_shape = (*hidden_states.shape[:-1], -1, self.attention_head_size)
        query = self.query(hidden_states).view(hidden_shape).transpose(1, 2)
        if cache is not None and cache.is_updated.get(self.layer_idx):
            key = cache.cross_attention_cache.layers[self.layer_idx].keys
            value = cache.cross_attention_cache.layers[self.layer_idx].values
        else:
            kv_shape = (*encoder_hidden_states.shape[:-1], -1, self.attention_head_size)
            key = self.key(encoder_hidden_states).view(kv_shape).transpose(1, 2)
            value = self.value(encoder_hidden_states).view(kv_shape).transpose(1, 2)
            if cache is not None:
                key, value = cache.cross_attention_cache.update(key, value, self.layer_idx)
                cache.is_updated[self.layer_idx] = True
        return self.attend(query, key, value, attention_mask, **kwargs)


class VideoBertSelfOutput(nn.Module):
    """Projection, dropout and residual LayerNorm after self-attention."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class VideoBertAttention(nn.Module):
    """An attention block: self-attention (or cross-attention to the encoder states) then its output projection."""

    def __init__(
        self,
        config: VideoBertConfig,
        is_causal: bool = False,
        layer_idx: int | None = None,
        is_cross_attention: bool = False,
    ):
        super().__init__()
        self.is_cross_attention = is_cross_attention
        attention_class = VideoBertCrossAttention if is_cross_attention else VideoBertSelfAttention
        self.self = attention_class(config, is_causal=is_causal, layer_idx=layer_idx)
        self.output = VideoBertSelfOutput(config)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        encoder_hidden_states: torch.Tensor | None = None,
        encoder_attention_mask: torch.Tensor | None = None,
        cache: Cache | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> torch.Tensor:
        if self.is_cross_attention:
            attention_output, _ = self.self(
                hidden_states, encoder_hidden_states, encoder_attention_mask, cache=cache, **kwargs
            )
        else:
            attention_output, _ = self.self(hidden_states, attention_mask, cache=cache, **kwargs)
        return self.output(attention_output, hidden_states)


class VideoBertIntermediate(nn.Module):
    """Feed-forward expansion with the configured activation."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = ACT2FN[config.hidden_act]

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.intermediate_act_fn(self.dense(hidden_states))


class VideoBertOutput(nn.Module):
    """Feed-forward contraction, dropout and residual LayerNorm."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class VideoBertLayer(GradientCheckpointingLayer):
    """
    One transformer layer: self-attention then feed-forward (the encoder); with `is_decoder`, causal self-attention,
    cross-attention to the encoder's video states, then feed-forward (the caption decoder).
    """

    def __init__(self, config: VideoBertConfig, layer_idx: int | None = None, is_decoder: bool = False):
        super().__init__()
        self.is_decoder = is_decoder
        self.attention = VideoBertAttention(config, is_causal=is_decoder, layer_idx=layer_idx)
        if is_decoder:
            self.crossattention = VideoBertAttention(config, layer_idx=layer_idx, is_cross_attention=True)
        self.intermediate = VideoBertIntermediate(config)
        self.output = VideoBertOutput(config)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        encoder_hidden_states: torch.Tensor | None = None,
        encoder_attention_mask: torch.Tensor | None = None,
        cache: Cache | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> torch.Tensor:
        attention_output = self.attention(hidden_states, attention_mask, cache=cache, **kwargs)
        if self.is_decoder:
            attention_output = self.crossattention(
                attention_output,
                encoder_hidden_states=encoder_hidden_states,
                encoder_attention_mask=encoder_attention_mask,
                cache=cache,
                **kwargs,
            )
        return self.output(self.intermediate(attention_output), attention_output)


class VideoBertEncoder(nn.Module):
    """A stack of `num_hidden_layers` encoder layers."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.layer = nn.ModuleList([VideoBertLayer(config, layer_idx=i) for i in range(config.num_hidden_layers)])

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> torch.Tensor:
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, attention_mask, **kwargs)
        return hidden_states


class VideoBertPooler(nn.Module):
    """Dense + tanh over the `[CLS]` state (BERT's pooler), the input of the alignment and sequence heads."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(hidden_states[:, 0]))


class VideoBertPredictionHeadTransform(nn.Module):
    """Dense + activation + LayerNorm applied before the vocabulary projection."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_act_fn = ACT2FN[config.hidden_act]
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.transform_act_fn(self.dense(hidden_states)))


class VideoBertLMPredictionHead(nn.Module):
    """Scores over the joint vocabulary; the projection is tied to the input embeddings."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.transform = VideoBertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=True)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.transform(hidden_states))


# trf-ignore: TRF026 (the wrapper keeps the checkpoint keys `cls.predictions.*` shared with VideoBertForPreTraining and BERT)
class VideoBertOnlyMLMHead(nn.Module):
    """The masked-prediction head alone."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.predictions = VideoBertLMPredictionHead(config)

    def forward(self, sequence_output: torch.Tensor) -> torch.Tensor:
        return self.predictions(sequence_output)


# trf-ignore: TRF026 (the wrapper keeps the checkpoint keys `cls.alignment.*` shared with VideoBertForPreTraining)
class VideoBertAlignmentHead(nn.Module):
    """Linguistic-visual alignment classifier on the pooled `[CLS]` state: index 1 = aligned, 0 = not aligned."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.alignment = nn.Linear(config.hidden_size, 2)

    def forward(self, pooled_output: torch.Tensor) -> torch.Tensor:
        return self.alignment(pooled_output)


class VideoBertPreTrainingHeads(nn.Module):
    """Masked prediction over the joint vocabulary and the alignment classifier."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.predictions = VideoBertLMPredictionHead(config)
        self.alignment = nn.Linear(config.hidden_size, 2)

    def forward(self, sequence_output: torch.Tensor, pooled_output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.predictions(sequence_output), self.alignment(pooled_output)


@auto_docstring
class VideoBertPreTrainedModel(PreTrainedModel):
    config: VideoBertConfig
    base_model_prefix = "videobert"
    main_input_name = "input_ids"
    supports_gradient_checkpointing = True
    _supports_flash_attn = True
    _supports_sdpa = True
    _supports_flex_attn = True
    _supports_attention_backend = True
    _no_split_modules = ["VideoBertEmbeddings", "VideoBertLayer"]
    _can_record_outputs = {
        "hidden_states": VideoBertLayer,
        "attentions": VideoBertSelfAttention,
    }
    # an owned visual tokenizer saved before it recorded its fit-time distances: they stay unknown (NaN)
    _keys_to_ignore_on_load_missing = [r"visual_tokenizer\.fit_distance_percentiles$"]
    # task -> (pipeline class, Auto class name): the pipelines an encoder checkpoint declares in
    # `config.custom_pipelines` and carries as remote code; filled by `pipelines_videobert` when it registers them.
    custom_pipeline_classes: dict = {}

    def _init_weights(self, module):
        """Initialize the weights"""
        super()._init_weights(module)
        if isinstance(module, VideoBertLMPredictionHead):
            init.zeros_(module.bias)
        elif isinstance(module, VideoBertEmbeddings):
            init.copy_(module.position_ids, torch.arange(module.position_ids.shape[-1]).expand((1, -1)))

    def save_pretrained(self, save_directory, *args, **kwargs):
        """
        `PreTrainedModel.save_pretrained`. A checkpoint saved with its code (classes registered with
        `register_for_auto_class`) maps in `config.auto_map` the Auto class of every registered VideoBERT head with the
        same weight layout, not only this class's: the encoder heads share the `videobert` encoder, so the checkpoint
        loads with any of them (the encoder-decoder captioner has its own layout and is mapped only by its own).
        """
        if self.is_remote_code():
            auto_map = dict(getattr(self.config, "auto_map", None) or {})
            heads, pending = [], list(VideoBertPreTrainedModel.__subclasses__())
            while pending:
                head = pending.pop()
                pending.extend(head.__subclasses__())
                # heads with the same weight layout (base_model_prefix) load each other's checkpoints
                if head.__dict__.get("_auto_class") is not None and head.base_model_prefix == self.base_model_prefix:
                    heads.append(head)
            for head in heads:
                auto_map.setdefault(head._auto_class, f"{head.__module__.split('.')[-1]}.{head.__name__}")
            self.config.auto_map = auto_map
        pipelines = {}
        if self.is_remote_code() and self.base_model_prefix == VideoBertPreTrainedModel.base_model_prefix:
            # `pipeline(task, model=repo, trust_remote_code=True)` finds the task here, without this package
            for task, (pipeline_class, auto_class) in self.custom_pipeline_classes.items():
                # CODEPATH: a task is declared only where its Auto class is mapped (every encoder head's checkpoint
                # maps both; a model whose head classes were not registered for remote code maps none)
                if auto_class in self.config.auto_map:
                    impl = f"{pipeline_class.__module__.split('.')[-1]}.{pipeline_class.__name__}"
                    pipelines[task] = {"impl": impl, "pt": [auto_class], "type": "multimodal"}
        # CODEPATH: declared pipelines are re-declared only with their code; a model loaded as remote code in a process
        # that never imported the pipelines cannot copy them, so its checkpoint does not declare them
        if pipelines or getattr(self.config, "custom_pipelines", None):
            self.config.custom_pipelines = pipelines
        result = super().save_pretrained(save_directory, *args, **kwargs)
        if pipelines and not os.path.isfile(save_directory):
            for pipeline_class, _ in self.custom_pipeline_classes.values():
                custom_object_save(pipeline_class, save_directory)  # the module and what it imports relatively
        return result

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """
        `PreTrainedModel.from_pretrained`. A damaged local checkpoint (a truncated or partly written weights file or
        shard index, a missing shard, no config.json) raises a `CorruptCheckpointError` that names the file; a local
        checkpoint whose config describes another vocabulary or width than its word embeddings raises a
        `RuntimeError` that explains the joint vocabulary, before any weight is loaded.
        """
        with checkpoint_load_errors(
            pretrained_model_name_or_path, kwargs.get("subfolder", ""), kwargs.get("config") is not None
        ):
            if pretrained_model_name_or_path is not None:
                folder = Path(os.fspath(pretrained_model_name_or_path), kwargs.get("subfolder") or "")
                wanted = kwargs["config"].num_codebooks if kwargs.get("config") is not None else None
                _check_num_codebooks(folder, kwargs.get("num_codebooks", wanted))
            if pretrained_model_name_or_path is not None and not kwargs.get("ignore_mismatched_sizes"):
                check_vocabulary_fits_weights(
                    Path(os.fspath(pretrained_model_name_or_path), kwargs.get("subfolder") or ""), kwargs.get("config")
                )
            return super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)

    @classmethod
    def from_text_pretrained(
        cls, pretrained_model_name_or_path, attn_implementation: str | None = None, **config_kwargs
    ):
        """
        Build this VideoBERT class from a BERT-architecture text checkpoint (the paper starts from BERT-large).

        The encoder, the position / segment embeddings, the pooler and, when the checkpoint has them, BERT's masked-LM
        head and next-sentence head are copied; the word embeddings and the output bias gain rows for `[>]`, `[CLIP]` and
        the visual tokens, drawn with the per-dimension mean and spread of the text embeddings (the output bias: their
        mean). BERT's next-sentence classifier becomes the
        alignment classifier with its two rows swapped (BERT's index 0 means "is next", ours index 1 means "aligned").

        Args:
            pretrained_model_name_or_path (`str` or `os.PathLike`):
                A BERT checkpoint: a local folder or a Hub id, as for `BertForPreTraining.from_pretrained`.
            attn_implementation (`str`, *optional*):
                Attention backend of the new model ("eager", "sdpa", "flash_attention_2", ...).
            config_kwargs:
                `VideoBertConfig` fields to set, typically `visual_vocab_size`; the BERT
                dimensions and `text_vocab_size` come from the checkpoint unless given here.
        """
        from transformers import BertForPreTraining

        # BertForPreTraining reports the heads a text-only checkpoint lacks; we report what we do with them instead.
        verbosity = logging.get_verbosity()
        logging.set_verbosity_error()
        try:
            bert, loading_info = BertForPreTraining.from_pretrained(
                pretrained_model_name_or_path, output_loading_info=True
            )
        finally:
            logging.set_verbosity(verbosity)
        for field in BERT_CONFIG_FIELDS:
            config_kwargs.setdefault(field, getattr(bert.config, field))
        config = VideoBertConfig(text_vocab_size=bert.config.vocab_size, **config_kwargs)
        if attn_implementation is not None:
            config._attn_implementation = attn_implementation
        model = cls(config)

        # Weights the checkpoint did not have were randomly initialised by BertForPreTraining: keep ours instead.
        missing = set(loading_info["missing_keys"])
        base_prefix = f"{cls.base_model_prefix}." if hasattr(model, cls.base_model_prefix) else ""
        target = model.state_dict()
        with torch.no_grad():
            for key, value in bert.state_dict().items():
                if key in missing or key.endswith("decoder.weight"):  # the decoder is tied to the word embeddings
                    continue
                if key.startswith("bert."):
                    new_key = base_prefix + key[len("bert.") :]
                elif key.startswith("cls.seq_relationship."):
                    new_key, value = key.replace("cls.seq_relationship.", "cls.alignment."), value.flip(0)
                else:
                    new_key = key
                if new_key not in target:
                    continue
                if new_key.endswith("word_embeddings.weight"):
                    target[new_key][: value.shape[0]].copy_(value)
                    # New rows ([>], [CLIP], visual tokens) drawn at the scale of the text embeddings, as transformers'
                    # resize_token_embeddings does: at the usual N(0, initializer_range) they are near-zero next to the
                    # text rows, all look alike after the LayerNorm, and the model is slow to tell visual tokens apart.
                    mean, std = value.mean(dim=0), value.std(dim=0)
                    new_rows = target[new_key][value.shape[0] :]
                    new_rows.copy_(mean + torch.randn_like(new_rows) * std)
                elif new_key.endswith(("predictions.bias", "decoder.bias")):
                    target[new_key][: value.shape[0]].copy_(value)
                    target[new_key][value.shape[0] :].fill_(value.mean())
                else:
                    target[new_key].copy_(value)
        model.tie_weights()
        if missing:
            logger.info(
                f"{pretrained_model_name_or_path} has no {sorted(missing)}: those VideoBERT weights keep their "
                "random initialisation."
            )
        return model


@auto_docstring(
    custom_intro="""
    The bare VideoBERT encoder: BERT over one joint vocabulary of text and visual tokens, with segment embeddings that
    mark each position as text (0) or video (1).
    """
)
class VideoBertModel(VideoBertPreTrainedModel):
    # a checkpoint of any head also holds that head (`cls.*`), which the bare encoder does not use
    _keys_to_ignore_on_load_unexpected = [r"^cls\."]

    def __init__(self, config: VideoBertConfig, add_pooling_layer: bool = True):
        r"""
        add_pooling_layer (bool, *optional*, defaults to `True`):
            Whether to add the `[CLS]` pooler that the alignment and classification heads read.
        """
        super().__init__(config)
        self.config = config
        self.embeddings = VideoBertEmbeddings(config)
        self.encoder = VideoBertEncoder(config)
        self.pooler = VideoBertPooler(config) if add_pooling_layer else None
        self.codebook_embeddings = None
        # CODEPATH: checkpoints with several codebooks and codebook_layout="summed" read a clip at one position; this
        # embedding tells its G words apart once the clip's state is copied back to them (every other checkpoint: None)
        if config.codebook_layout == "summed" and config.num_codebooks > 1:
            self.codebook_embeddings = nn.Embedding(config.num_codebooks, config.hidden_size)
        self.visual_tokenizer = None
        # CODEPATH: checkpoints that tokenize raw clips themselves own a visual tokenizer; token-id checkpoints do not
        if config.visual_tokenizer_config is not None:
            self.visual_tokenizer = VideoBertVisualTokenizer(config.visual_tokenizer_config)
        self.post_init()

    def load_visual_tokenizer(self, visual_tokenizer: VideoBertVisualTokenizer) -> None:
        """
        Copies a fitted visual tokenizer into this model's own (built from `config.visual_tokenizer_config`, e.g.
        `VideoBertConfig(..., visual_tokenizer_config=visual_tokenizer.config)`), so it is saved with the model.
        """
        if self.visual_tokenizer is None:
            raise ValueError(
                "This model has no visual tokenizer: set config.visual_tokenizer_config when building it."
            )
        # the tokenizer's own fields; saving it adds bookkeeping (architectures, dtype, auto_map) that does not count
        fields = type(self.visual_tokenizer.config).__annotations__
        ours, theirs = self.config.num_codebooks, visual_tokenizer.config.num_codebooks
        if ours != theirs:
            raise ValueError(
                f"The visual tokenizer was fitted with num_codebooks={theirs}, this model is configured for "
                f"num_codebooks={ours}: a clip takes as many positions as its tokenizer has codebooks."
            )
        if any(getattr(visual_tokenizer.config, f) != getattr(self.visual_tokenizer.config, f) for f in fields):
            raise ValueError("The visual tokenizer's config differs from config.visual_tokenizer_config.")
        self.visual_tokenizer.load_state_dict(visual_tokenizer.state_dict())

    def tokenize_clips(self, input_ids: torch.Tensor, pixel_values_videos: torch.Tensor) -> torch.Tensor:
        """
        `input_ids` with each `[CLIP]` placeholder, in row-major order, replaced by the visual token of its clip; with
        `num_codebooks` G > 1 a clip has G consecutive placeholders, which take its G words in codebook order.
        """
        if self.visual_tokenizer is None:
            raise ValueError(
                "pixel_values_videos needs a model that owns a visual tokenizer (config.visual_tokenizer_config, "
                "see `load_visual_tokenizer`); otherwise pass the visual token ids in input_ids."
            )
        placeholders = input_ids == self.config.clip_token_id
        num_placeholders = int(placeholders.sum())
        groups = self.config.num_codebooks
        if num_placeholders != pixel_values_videos.shape[0] * groups:
            raise ValueError(
                f"input_ids holds {num_placeholders} [CLIP] placeholders but pixel_values_videos has "
                f"{pixel_values_videos.shape[0]} clips; the processor emits "
                + ("one placeholder per clip." if groups == 1 else f"num_codebooks={groups} placeholders per clip.")
            )
        tokens = self.visual_tokenizer(pixel_values_videos).to(input_ids.device).reshape(-1)
        input_ids = input_ids.clone()
        input_ids[placeholders] = tokens + self.config.visual_token_offset
        return input_ids

    def get_input_embeddings(self):
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value):
        self.embeddings.word_embeddings = value

    @merge_with_config_defaults
    @capture_outputs
    @auto_docstring
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        pixel_values_videos: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor] | BaseModelOutputWithPooling:
        r"""
        token_type_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Segment of each position: 0 for text (and `[CLS]`), 1 for video tokens. Defaults to all text.
        pixel_values_videos (`torch.FloatTensor` of shape `(num_clips, 3, frames, height, width)`, *optional*):
            The clips of the `[CLIP]` placeholders of `input_ids`, in row-major order (what `VideoBertProcessor` emits
            without a visual tokenizer); the model's own visual tokenizer turns them into visual tokens.

        With `config.codebook_layout="summed"` (and several codebooks) the encoder reads each clip at one position, the
        sum of its words' embeddings (`fold_clip_words`, found through `token_type_ids`); `last_hidden_state` has the
        inputs' length again (each word: its clip's state plus its codebook's embedding), while `hidden_states` and
        `attentions` are those of the folded sequence.
        """
        if (input_ids is None) ^ (inputs_embeds is not None):
            raise ValueError("You must specify exactly one of input_ids or inputs_embeds")
        check_input_shapes(self.config, input_ids, inputs_embeds, token_type_ids, position_ids, attention_mask)
        if pixel_values_videos is not None:
            input_ids = self.tokenize_clips(input_ids, pixel_values_videos)

        fold = None
        if self.codebook_embeddings is not None and token_type_ids is not None:  # codebook_layout="summed"
            if attention_mask is not None and attention_mask.dim() != 2:
                raise ValueError("codebook_layout='summed' folds the sequence: pass a 2-D attention_mask.")
            fold = fold_clip_words(token_type_ids, attention_mask, self.config.num_codebooks)
            if inputs_embeds is None:
                inputs_embeds = lookup(self.embeddings.word_embeddings, input_ids, "input_ids")
            inputs_embeds = sum_clip_words(inputs_embeds, fold, self.config.num_codebooks)
            token_type_ids = token_type_ids.gather(1, fold.index)
            position_ids = None if position_ids is None else position_ids.expand_as(fold.unfold).gather(1, fold.index)
            attention_mask, input_ids = fold.valid.long(), None
        embedding_output = self.embeddings(
            input_ids=input_ids,
            position_ids=position_ids,
            token_type_ids=token_type_ids,
            inputs_embeds=inputs_embeds,
        )
        attention_mask = create_bidirectional_mask(
            config=self.config,
            inputs_embeds=embedding_output,
            attention_mask=attention_mask,
        )
        sequence_output = self.encoder(embedding_output, attention_mask=attention_mask, **kwargs)
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        if fold is not None:  # back to one position per word: a clip's state at each of its words, plus its codebook's
            sequence_output = sequence_output.gather(
                1, fold.unfold.unsqueeze(-1).expand(-1, -1, sequence_output.shape[-1])
            )
            codebook = self.codebook_embeddings(fold.codebook.clamp(min=0))
            sequence_output = sequence_output + torch.where(fold.codebook.unsqueeze(-1) >= 0, codebook, 0)
        return BaseModelOutputWithPooling(last_hidden_state=sequence_output, pooler_output=pooled_output)


@auto_docstring(
    custom_intro="""
    Output type of [`VideoBertForPreTraining`].
    """
)
@dataclass
class VideoBertForPreTrainingOutput(ModelOutput):
    r"""
    loss (`torch.FloatTensor` of shape `()`, *optional*, returned when `labels` or `alignment_labels` is provided):
        Weighted sum of the three regimes' losses (see [`VideoBertForPreTraining.forward`]).
    text_loss (`torch.FloatTensor` of shape `()`, *optional*):
        Mean masked-prediction loss over the masked positions of text-only examples (detached; for logging). NaN when
        the batch has no masked token of a text-only example (so that no count is read back from the device).
    video_loss (`torch.FloatTensor` of shape `()`, *optional*):
        Mean masked-prediction loss over the masked positions of video-only examples (detached; NaN when none).
    text_video_loss (`torch.FloatTensor` of shape `()`, *optional*):
        Mean masked-prediction loss over the masked positions of text-video examples (detached; NaN when none).
    alignment_loss (`torch.FloatTensor` of shape `()`, *optional*):
        Linguistic-visual alignment cross-entropy (detached; for logging).
    prediction_logits (`torch.FloatTensor`):
        Scores over the joint vocabulary. Of shape `(batch_size, sequence_length, vocab_size)` without `labels`; with
        `labels`, only the masked positions are scored (the dense softmax over ~51k tokens is most of a training
        step), shape `(num_masked, vocab_size)` in row-major order of `labels != -100`.
    alignment_logits (`torch.FloatTensor` of shape `(batch_size, 2)`):
        Alignment scores on the pooled `[CLS]` state: index 1 = the sentence and the video are aligned.
    """

    loss: torch.FloatTensor | None = None
    text_loss: torch.FloatTensor | None = None
    video_loss: torch.FloatTensor | None = None
    text_video_loss: torch.FloatTensor | None = None
    alignment_loss: torch.FloatTensor | None = None
    prediction_logits: torch.FloatTensor | None = None
    alignment_logits: torch.FloatTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


def cross_entropy_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    num_items_in_batch: torch.Tensor | int | None = None,
    name: str = "labels",
) -> torch.Tensor:
    """
    The loss of every classification head: transformers' `fixed_cross_entropy` over the labels that are not -100, a
    sum divided by `num_items_in_batch` (passed by `Trainer`: the labelled items of the global batch) or else a mean.
    A label outside `[0, logits.shape[-1])` raises a `ValueError` naming the argument (`name`).
    """
    try:
        return fixed_cross_entropy(
            logits.float().flatten(0, -2), labels.flatten().to(logits.device), num_items_in_batch
        )
    except IndexError as error:
        raise out_of_range_error(name, labels, logits.shape[-1]) from error


def at_least_one(count: torch.Tensor | int) -> torch.Tensor | int:
    """`max(count, 1)` of a token count, without reading a device tensor back."""
    return count.clamp(min=1) if torch.is_tensor(count) else max(count, 1)


def pretraining_loss(
    config: VideoBertConfig,
    prediction_logits: torch.Tensor,
    masked_labels: torch.Tensor,
    masked_regimes: torch.Tensor,
    alignment_logits: torch.Tensor,
    alignment_labels: torch.Tensor | None,
    num_items_in_batch: torch.Tensor | int | None = None,
    num_alignment_items_in_batch: torch.Tensor | int | None = None,
) -> dict[str, torch.Tensor | None]:
    """
    `VideoBertForPreTraining`'s loss and its logged parts, computed on the device (nothing is read back to the host).

    - Masked tokens: the cross-entropy of each masked token (`prediction_logits` `(num_masked, vocab_size)` scored
      against `masked_labels`), weighted by the regime of its example (`masked_regimes`: `text_loss_weight`,
      `video_loss_weight` or `text_video_loss_weight`), summed and divided, as transformers' `fixed_cross_entropy`
      does, by `num_items_in_batch` (the global number of masked tokens under `Trainer`) or else by the local number;
      a batch with no masked token contributes 0.
    - Alignment: the cross-entropy of the labelled examples (`alignment_labels != -100`), summed and divided by
      `num_alignment_items_in_batch` when given; otherwise its local mean, weighted by this batch's share of the
      masked tokens when `num_items_in_batch` is given. It enters with weight
      `text_video_loss_weight * alignment_loss_weight`.
    - `text_loss`, `video_loss`, `text_video_loss`: the mean cross-entropy of the masked tokens of each regime and
      `alignment_loss` the local alignment mean, detached for logging. A regime with no masked token in the batch
      logs NaN (deciding otherwise would read the count back to the host); the alignment mean is 0 when no example is
      labelled.
    """
    alignment_loss = None
    if alignment_labels is not None:
        alignment_sum = cross_entropy_loss(alignment_logits, alignment_labels, 1, name="alignment_labels")  # a sum
        alignment_loss = alignment_sum / at_least_one((alignment_labels != -100).sum())
    if masked_labels is None:
        return {"loss": alignment_loss, "alignment_loss": None if alignment_loss is None else alignment_loss.detach()}

    try:
        token_losses = nn.functional.cross_entropy(prediction_logits.float(), masked_labels, reduction="none")
    except IndexError as error:
        raise out_of_range_error("labels", masked_labels, prediction_logits.shape[-1]) from error
    weights = (config.text_loss_weight, config.video_loss_weight, config.text_video_loss_weight)
    token_weights = torch.where(
        masked_regimes == TEXT_ONLY,
        weights[TEXT_ONLY],
        torch.where(masked_regimes == VIDEO_ONLY, weights[VIDEO_ONLY], weights[TEXT_VIDEO]),
    )
    count = num_items_in_batch if num_items_in_batch is not None else masked_labels.shape[0]
    denominator = at_least_one(count)
    loss = (token_losses * token_weights).sum() / denominator

    if alignment_loss is not None:
        if num_alignment_items_in_batch is not None:
            alignment_term = alignment_sum / num_alignment_items_in_batch
        elif num_items_in_batch is not None:
            alignment_term = alignment_loss * masked_labels.shape[0] / denominator
        else:
            alignment_term = alignment_loss
        loss = loss + config.text_video_loss_weight * config.alignment_loss_weight * alignment_term

    # per-regime token means for logging: 0 / 0 = NaN for a regime the batch has no masked token of
    with torch.no_grad():
        membership = masked_regimes.unsqueeze(1) == torch.arange(3, device=masked_regimes.device)
        regime_sums = (token_losses.unsqueeze(1) * membership).sum(0)
        regime_means = regime_sums / membership.sum(0)
    return {
        "loss": loss,
        "text_loss": regime_means[TEXT_ONLY],
        "video_loss": regime_means[VIDEO_ONLY],
        "text_video_loss": regime_means[TEXT_VIDEO],
        "alignment_loss": None if alignment_loss is None else alignment_loss.detach(),
    }


@auto_docstring(
    custom_intro="""
    VideoBERT with its two pretraining heads: masked prediction over the joint text + visual vocabulary and the
    linguistic-visual alignment classifier on `[CLS]`. The loss mixes the paper's three regimes (text-only,
    video-only, text-video) with the weights of the config.
    """
)
class VideoBertForPreTraining(VideoBertPreTrainedModel):
    _tied_weights_keys = {
        "cls.predictions.decoder.weight": "videobert.embeddings.word_embeddings.weight",
        "cls.predictions.decoder.bias": "cls.predictions.bias",
    }

    def __init__(self, config: VideoBertConfig):
        super().__init__(config)
        self.videobert = VideoBertModel(config)
        self.cls = VideoBertPreTrainingHeads(config)
        self.post_init()

    def get_output_embeddings(self):
        return self.cls.predictions.decoder

    def set_output_embeddings(self, new_embeddings):
        self.cls.predictions.decoder = new_embeddings
        self.cls.predictions.bias = new_embeddings.bias

    @can_return_tuple
    @auto_docstring
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        pixel_values_videos: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        alignment_labels: torch.Tensor | None = None,
        video_id=None,
        visual_ids=None,
        sentence_text_ids=None,
        sentence_clip_spans=None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor] | VideoBertForPreTrainingOutput:
        r"""
        token_type_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Segment of each position: 0 for text (and `[CLS]`), 1 for video tokens. They also decide each example's
            regime (`sequence_regimes`): text-only (no video position), video-only (`[CLS]` is the only text
            position) or text-video.
        labels (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Joint-vocabulary ids of the masked tokens, -100 elsewhere. Text and visual positions are predicted by the
            same head. The masked-prediction loss is a token mean in which each masked token counts with the weight
            of its example's regime (`text_loss_weight`, `video_loss_weight`, `text_video_loss_weight`); with
            `num_items_in_batch` (passed by `Trainer`) the weighted sum is divided by it instead of the local count,
            so gradient accumulation and data parallelism see one token mean over the global batch. The logged
            `text_loss` / `video_loss` / `text_video_loss` are NaN when the batch has no masked token of that regime.
        alignment_labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*):
            1 when the sentence and the video segment are temporally aligned, 0 when not, -100 to ignore (text-only
            and video-only examples). Its mean cross-entropy enters the loss with weight
            `text_video_loss_weight * alignment_loss_weight`. Under `Trainer`, pass the global number of labelled
            examples as the keyword `num_alignment_items_in_batch` (the example script's trainer does) to make that a
            mean over the global batch too; without it, when `num_items_in_batch` is given, the local mean is
            weighted by this batch's share of the masked tokens (exact when every micro-batch has the same share).
        video_id (*optional*, ignored):
            A column of the tokenized dataset (as are `visual_ids`, `sentence_text_ids` and `sentence_clip_spans`),
            which `DataCollatorForVideoBertPretraining` turns into the inputs above. The four are named here so that
            `Trainer` with its default `remove_unused_columns=True` keeps them for the collator (it drops the dataset
            columns that are not arguments of `forward`); the model never reads them.
        visual_ids (*optional*, ignored):
            A tokenized-dataset column, kept for the collator (see `video_id`).
        sentence_text_ids (*optional*, ignored):
            A tokenized-dataset column, kept for the collator (see `video_id`).
        sentence_clip_spans (*optional*, ignored):
            A tokenized-dataset column, kept for the collator (see `video_id`).
        """
        num_items_in_batch = kwargs.pop("num_items_in_batch", None)
        num_alignment_items_in_batch = kwargs.pop("num_alignment_items_in_batch", None)
        outputs = self.videobert(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            pixel_values_videos=pixel_values_videos,
            return_dict=True,
            **kwargs,
        )
        sequence_output, pooled_output = outputs.last_hidden_state, outputs.pooler_output
        if alignment_labels is not None:
            check_labels_shape("alignment_labels", alignment_labels, pooled_output.shape[:1])
        masked_labels = masked_regimes = None
        if labels is not None:
            check_labels_shape("labels", labels, sequence_output.shape[:2])
            labels = labels.to(sequence_output.device)
            # only the masked positions are scored, in row-major order (one nonzero: the number of masked tokens)
            positions = (labels.flatten() != -100).nonzero().squeeze(1)
            sequence_output = sequence_output.flatten(0, 1).index_select(0, positions)
            masked_labels = labels.flatten().index_select(0, positions)
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(labels)
            regimes = sequence_regimes(token_type_ids, attention_mask)
            masked_regimes = regimes.index_select(0, positions // labels.shape[1])
        prediction_logits, alignment_logits = self.cls(sequence_output, pooled_output)
        losses = pretraining_loss(
            self.config,
            prediction_logits,
            masked_labels,
            masked_regimes,
            alignment_logits,
            alignment_labels,
            num_items_in_batch,
            num_alignment_items_in_batch,
        )
        return VideoBertForPreTrainingOutput(
            **losses,
            prediction_logits=prediction_logits,
            alignment_logits=alignment_logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )


@auto_docstring(
    custom_intro="""
    VideoBERT with the masked-prediction head over the joint vocabulary: fill-mask for zero-shot classification
    ("now let me show you how to [MASK] the [MASK]"), text-to-video token prediction and forecasting.
    """
)
class VideoBertForMaskedLM(VideoBertPreTrainedModel):
    # a VideoBertForPreTraining checkpoint also holds the pooler and the alignment head, which fill-mask does not use
    _keys_to_ignore_on_load_unexpected = [r"(^|\.)pooler\.", r"^cls\.alignment\."]
    _tied_weights_keys = {
        "cls.predictions.decoder.weight": "videobert.embeddings.word_embeddings.weight",
        "cls.predictions.decoder.bias": "cls.predictions.bias",
    }

    def __init__(self, config: VideoBertConfig):
        super().__init__(config)
        self.videobert = VideoBertModel(config, add_pooling_layer=False)
        self.cls = VideoBertOnlyMLMHead(config)
        self.post_init()

    def get_output_embeddings(self):
        return self.cls.predictions.decoder

    def set_output_embeddings(self, new_embeddings):
        self.cls.predictions.decoder = new_embeddings
        self.cls.predictions.bias = new_embeddings.bias

    @can_return_tuple
    @auto_docstring
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        pixel_values_videos: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor] | MaskedLMOutput:
        r"""
        token_type_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Segment of each position: 0 for text (and `[CLS]`), 1 for video tokens.
        labels (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Joint-vocabulary ids of the masked tokens, -100 elsewhere. The logits cover every position and the
            whole joint vocabulary.
        """
        outputs = self.videobert(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            pixel_values_videos=pixel_values_videos,
            return_dict=True,
            **kwargs,
        )
        logits = self.cls(outputs.last_hidden_state)
        loss = None
        if labels is not None:
            check_labels_shape("labels", labels, logits.shape[:2])
            loss = cross_entropy_loss(logits, labels, kwargs.get("num_items_in_batch"))
        return MaskedLMOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


@auto_docstring(
    custom_intro="""
    VideoBERT with the linguistic-visual alignment head: the probability that a sentence and a video segment are
    temporally aligned (`softmax(logits)[:, 1]`), the scorer of video-text retrieval in both directions.
    """
)
class VideoBertForVideoTextAlignment(VideoBertPreTrainedModel):
    # a VideoBertForPreTraining checkpoint also holds the masked-prediction head, which alignment scoring does not use
    _keys_to_ignore_on_load_unexpected = [r"^cls\.predictions\."]

    def __init__(self, config: VideoBertConfig):
        super().__init__(config)
        self.videobert = VideoBertModel(config)
        self.cls = VideoBertAlignmentHead(config)
        self.post_init()

    @can_return_tuple
    @auto_docstring
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        pixel_values_videos: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor] | SequenceClassifierOutput:
        r"""
        token_type_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Segment of each position: 0 for text (and `[CLS]`), 1 for video tokens.
        labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*):
            1 when the sentence and the video are aligned, 0 when not (-100 ignored); the loss is the mean
            cross-entropy.
        """
        outputs = self.videobert(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            pixel_values_videos=pixel_values_videos,
            return_dict=True,
            **kwargs,
        )
        logits = self.cls(outputs.pooler_output)
        loss = None
        if labels is not None:
            check_labels_shape("labels", labels, logits.shape[:1])
            loss = cross_entropy_loss(logits, labels, kwargs.get("num_items_in_batch"))
        return SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


@auto_docstring(
    custom_intro="""
    VideoBERT with a classifier on the pooled `[CLS]` state, for any label set over text, video or both (activity of a
    video, sentiment or emotion of a narrated video, ...). The loss follows `config.problem_type` as in transformers'
    other `*ForSequenceClassification` heads.
    """
)
class VideoBertForSequenceClassification(VideoBertPreTrainedModel):
    def __init__(self, config: VideoBertConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.videobert = VideoBertModel(config)
        classifier_dropout = (
            config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        )
        self.dropout = nn.Dropout(classifier_dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    @can_return_tuple
    @auto_docstring
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        pixel_values_videos: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor] | SequenceClassifierOutput:
        r"""
        token_type_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Segment of each position: 0 for text (and `[CLS]`), 1 for video tokens.
        labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*):
            Class indices in `[0, config.num_labels)` (float targets for regression / multi-label problems).
        """
        outputs = self.videobert(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            pixel_values_videos=pixel_values_videos,
            return_dict=True,
            **kwargs,
        )
        logits = self.classifier(self.dropout(outputs.pooler_output))
        loss = None
        if labels is not None:
            if labels.dtype in (torch.long, torch.int) and self.num_labels > 1:
                check_labels_shape("labels", labels, logits.shape[:1])
            try:  # transformers' loss for config.problem_type: cross-entropy, MSE or BCE
                loss = self.loss_function(labels, logits, self.config, **kwargs)
            except IndexError as error:
                raise out_of_range_error("labels", labels, self.num_labels) from error
        return SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )


# ---------------------------------------------------------------------------------------------------------------------
# Captioning: VideoBERT encoder over the video tokens + a BERT-style text decoder with cross-attention.
# The decoder layers keep BERT's parameter names (`attention.self.query`, `crossattention.*`, `intermediate`, `output`)
# so that the encoder layers' weights can initialise them.


class VideoBertDecoderEmbeddings(nn.Module):
    """Word + position embeddings of the caption decoder; the word table is tied to the encoder's joint vocabulary."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        cache_length: int = 0,
    ) -> torch.Tensor:
        if inputs_embeds is None:
            inputs_embeds = lookup(self.word_embeddings, input_ids, "decoder_input_ids")
        seq_length = inputs_embeds.shape[1]
        max_positions = self.position_embeddings.num_embeddings
        if not torch.compiler.is_compiling() and cache_length + seq_length > max_positions:
            raise ValueError(
                f"The caption decoder reached position {cache_length + seq_length} but allows max_position_embeddings="
                f"{max_positions} positions: truncate the captions (labels / decoder_input_ids) or lower `max_length`/"
                "`max_new_tokens` of `generate`."
            )
        position_ids = torch.arange(cache_length, cache_length + seq_length, device=inputs_embeds.device)
        embeddings = inputs_embeds + self.position_embeddings(position_ids).unsqueeze(0)
        return self.dropout(self.LayerNorm(embeddings))


class VideoBertCaptionHead(nn.Module):
    """
    Scores over the text vocabulary only (captions are text): BERT's prediction transform, then a projection whose
    weight is the first `text_vocab_size` rows of the decoder's (tied) word embeddings, plus a bias.
    """

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.transform = VideoBertPredictionHeadTransform(config)
        self.bias = nn.Parameter(torch.zeros(config.text_vocab_size))

    def forward(self, hidden_states: torch.Tensor, word_embeddings: torch.Tensor) -> torch.Tensor:
        text_embeddings = word_embeddings[: self.bias.shape[0]]
        return nn.functional.linear(self.transform(hidden_states), text_embeddings, self.bias)


def shift_tokens_right(input_ids: torch.Tensor, pad_token_id: int, decoder_start_token_id: int) -> torch.Tensor:
    """Decoder inputs from labels: prepend `decoder_start_token_id`, drop the last token, replace -100 by padding."""
    shifted = input_ids.new_zeros(input_ids.shape)
    shifted[:, 1:] = input_ids[:, :-1].clone()
    shifted[:, 0] = decoder_start_token_id
    shifted.masked_fill_(shifted == -100, pad_token_id)
    return shifted


@auto_docstring(
    custom_intro="""
    Base of the captioning classes: adds the decoder modules to the weight initialisation and the device map.
    """
)
class VideoBertSeq2SeqPreTrainedModel(VideoBertPreTrainedModel):
    _no_split_modules = [
        "VideoBertEmbeddings",
        "VideoBertLayer",
        "VideoBertDecoderEmbeddings",
    ]

    def _init_weights(self, module):
        """Initialize the weights"""
        super()._init_weights(module)
        if isinstance(module, VideoBertCaptionHead):
            init.zeros_(module.bias)


@auto_docstring(
    custom_intro="""
    The caption decoder: BERT-style layers with causal self-attention and cross-attention to the VideoBERT encoder's
    states, over text tokens.
    """
)
class VideoBertDecoder(VideoBertSeq2SeqPreTrainedModel):
    _can_record_outputs = {
        "hidden_states": VideoBertLayer,
        # VideoBertCrossAttention is a VideoBertSelfAttention too: the layer name tells the self-attentions apart
        "attentions": OutputRecorder(VideoBertSelfAttention, index=1, layer_name="attention"),
        "cross_attentions": OutputRecorder(VideoBertCrossAttention, index=1),
    }

    def __init__(self, config: VideoBertConfig):
        super().__init__(config)
        self.embeddings = VideoBertDecoderEmbeddings(config)
        self.layer = nn.ModuleList(
            [VideoBertLayer(config, layer_idx=i, is_decoder=True) for i in range(config.decoder_num_hidden_layers)]
        )
        self.post_init()

    def get_input_embeddings(self):
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value):
        self.embeddings.word_embeddings = value

    @merge_with_config_defaults
    @capture_outputs
    @auto_docstring
    @deprecate_kwarg("past_key_values", "5.40.0", new_name="cache")
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        encoder_hidden_states: torch.Tensor | None = None,
        encoder_attention_mask: torch.Tensor | None = None,
        cache: Cache | None = None,
        inputs_embeds: torch.Tensor | None = None,
        use_cache: bool | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor] | BaseModelOutputWithPastAndCrossAttentions:
        r"""
        encoder_hidden_states (`torch.FloatTensor` of shape `(batch_size, video_length, hidden_size)`):
            The VideoBERT encoder's states over the video tokens, which every layer cross-attends to.
        encoder_attention_mask (`torch.LongTensor` of shape `(batch_size, video_length)`, *optional*):
            1 for the encoder positions to attend to, 0 for padding.
        """
        if (input_ids is None) ^ (inputs_embeds is not None):
            raise ValueError("You must specify exactly one of decoder_input_ids or decoder_inputs_embeds")
        if encoder_hidden_states is None:
            raise ValueError("The caption decoder needs encoder_hidden_states (the encoder's video states).")
        if use_cache and cache is None:
            cache = EncoderDecoderCache(DynamicCache(config=self.config), DynamicCache(config=self.config))
        cache_length = cache.get_seq_length() if cache is not None else 0

        hidden_states = self.embeddings(input_ids=input_ids, inputs_embeds=inputs_embeds, cache_length=cache_length)
        batch_size, seq_length = hidden_states.shape[:2]
        if attention_mask is None and not torch.compiler.is_compiling():
            attention_mask = torch.ones(batch_size, cache_length + seq_length, device=hidden_states.device)
        self_attention_cache = cache.self_attention_cache if isinstance(cache, EncoderDecoderCache) else cache
        attention_mask = create_causal_mask(
            config=self.config,
            inputs_embeds=hidden_states,
            attention_mask=attention_mask,
            cache=self_attention_cache,
        )
        encoder_attention_mask = create_bidirectional_mask(
            config=self.config,
            inputs_embeds=hidden_states,
            attention_mask=encoder_attention_mask,
            encoder_hidden_states=encoder_hidden_states,
        )
        for layer_module in self.layer:
            hidden_states = layer_module(
                hidden_states,
                attention_mask,
                encoder_hidden_states,  # positional for gradient checkpointing
                encoder_attention_mask=encoder_attention_mask,
                cache=cache,
                **kwargs,
            )
        return BaseModelOutputWithPastAndCrossAttentions(
            last_hidden_state=hidden_states, cache=cache if use_cache else None
        )


@auto_docstring(
    custom_intro="""
    The bare VideoBERT encoder-decoder: the VideoBERT encoder over video-only sequences (`[CLS] v1 ... vn [SEP]`) and the
    caption decoder that cross-attends to it. The decoder's word embeddings are tied to the encoder's.
    """
)
class VideoBertEncoderDecoderModel(VideoBertSeq2SeqPreTrainedModel):
    _tied_weights_keys = {"decoder.embeddings.word_embeddings.weight": "encoder.embeddings.word_embeddings.weight"}

    def __init__(self, config: VideoBertConfig):
        super().__init__(config)
        self.encoder = VideoBertModel(config, add_pooling_layer=False)
        self.decoder = VideoBertDecoder(config)
        self.post_init()

    def get_input_embeddings(self):
        return self.encoder.get_input_embeddings()

    def set_input_embeddings(self, value):
        self.encoder.set_input_embeddings(value)
        self.decoder.set_input_embeddings(value)

    @can_return_tuple
    @auto_docstring
    @deprecate_kwarg("past_key_values", "5.40.0", new_name="cache")
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.LongTensor | None = None,
        pixel_values_videos: torch.Tensor | None = None,
        decoder_input_ids: torch.LongTensor | None = None,
        decoder_attention_mask: torch.LongTensor | None = None,
        encoder_outputs: tuple[torch.Tensor] | BaseModelOutput | None = None,
        cache: Cache | None = None,
        inputs_embeds: torch.Tensor | None = None,
        decoder_inputs_embeds: torch.Tensor | None = None,
        use_cache: bool | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor] | Seq2SeqModelOutput:
        r"""
        token_type_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Segment of each encoder position: 0 for `[CLS]` (and any text), 1 for video tokens.
        pixel_values_videos (`torch.FloatTensor` of shape `(num_clips, 3, frames, height, width)`, *optional*):
            Clips of the `[CLIP]` placeholders of `input_ids`, for a model that owns a visual tokenizer.
        decoder_input_ids (`torch.LongTensor` of shape `(batch_size, target_length)`, *optional*):
            Caption tokens fed to the decoder, starting with `config.decoder_start_token_id` (`[CLS]`).
        decoder_attention_mask (`torch.LongTensor` of shape `(batch_size, target_length)`, *optional*):
            1 for caption tokens, 0 for padding; the causal mask is always applied.
        decoder_inputs_embeds (`torch.FloatTensor` of shape `(batch_size, target_length, hidden_size)`, *optional*):
            Embedded decoder inputs instead of `decoder_input_ids`.
        """
        if encoder_outputs is None:
            encoder_outputs = self.encoder(
                input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                inputs_embeds=inputs_embeds,
                pixel_values_videos=pixel_values_videos,
                return_dict=True,
                **kwargs,
            )
        elif not isinstance(encoder_outputs, BaseModelOutput):
            encoder_outputs = BaseModelOutput(
                last_hidden_state=encoder_outputs[0],
                hidden_states=encoder_outputs[1] if len(encoder_outputs) > 1 else None,
                attentions=encoder_outputs[2] if len(encoder_outputs) > 2 else None,
            )
        decoder_outputs = self.decoder(
            input_ids=decoder_input_ids,
            attention_mask=decoder_attention_mask,
            encoder_hidden_states=encoder_outputs.last_hidden_state,
            encoder_attention_mask=attention_mask,
            cache=cache,
            inputs_embeds=decoder_inputs_embeds,
            use_cache=use_cache,
            return_dict=True,
            **kwargs,
        )
        return Seq2SeqModelOutput(
            last_hidden_state=decoder_outputs.last_hidden_state,
            cache=decoder_outputs.cache,
            decoder_hidden_states=decoder_outputs.hidden_states,
            decoder_attentions=decoder_outputs.attentions,
            cross_attentions=decoder_outputs.cross_attentions,
            encoder_last_hidden_state=encoder_outputs.last_hidden_state,
            encoder_hidden_states=encoder_outputs.hidden_states,
            encoder_attentions=encoder_outputs.attentions,
        )


@auto_docstring(
    custom_intro="""
    VideoBERT for video captioning: the encoder reads a video-only sequence (`[CLS] v1 ... vn [SEP]`, token type 1 on
    the visual tokens) and the decoder writes the caption over the text vocabulary with `generate()` (greedy, beam
    search, sampling). Decoding starts at `config.decoder_start_token_id` (`[CLS]`) and ends at `config.eos_token_id`
    (`[SEP]`); the scores cover the `config.text_vocab_size` text ids, projected with the tied word embeddings.
    """
)
class VideoBertForConditionalGeneration(VideoBertSeq2SeqPreTrainedModel, GenerationMixin):
    base_model_prefix = "model"
    _tied_weights_keys = {
        "model.decoder.embeddings.word_embeddings.weight": "model.encoder.embeddings.word_embeddings.weight"
    }

    def __init__(self, config: VideoBertConfig):
        # The same config also serves the encoder-only heads: building the captioner makes it an encoder-decoder config
        # (read by `generate`, `Seq2SeqTrainer` and the generation config derived below).
        config.is_encoder_decoder = True
        config.check_decoder_token_ids()
        super().__init__(config)
        self.model = VideoBertEncoderDecoderModel(config)
        self.lm_head = VideoBertCaptionHead(config)
        self.post_init()

    def get_input_embeddings(self):
        return self.model.get_input_embeddings()

    def set_input_embeddings(self, value):
        self.model.set_input_embeddings(value)

    def get_output_embeddings(self):
        # The caption head has no weight of its own: it projects with the text rows of the tied word embeddings.
        return None

    @can_return_tuple
    @auto_docstring
    @deprecate_kwarg("past_key_values", "5.40.0", new_name="cache")
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.LongTensor | None = None,
        pixel_values_videos: torch.Tensor | None = None,
        decoder_input_ids: torch.LongTensor | None = None,
        decoder_attention_mask: torch.LongTensor | None = None,
        encoder_outputs: tuple[torch.Tensor] | BaseModelOutput | None = None,
        cache: Cache | None = None,
        inputs_embeds: torch.Tensor | None = None,
        decoder_inputs_embeds: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        use_cache: bool | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor] | Seq2SeqLMOutput:
        r"""
        token_type_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Segment of each encoder position: 0 for `[CLS]` (and any text), 1 for video tokens.
        pixel_values_videos (`torch.FloatTensor` of shape `(num_clips, 3, frames, height, width)`, *optional*):
            Clips of the `[CLIP]` placeholders of `input_ids`, for a model that owns a visual tokenizer.
        decoder_input_ids (`torch.LongTensor` of shape `(batch_size, target_length)`, *optional*):
            Caption tokens fed to the decoder, starting with `config.decoder_start_token_id`. Built from `labels` by
            shifting them right when not given.
        decoder_attention_mask (`torch.LongTensor` of shape `(batch_size, target_length)`, *optional*):
            1 for caption tokens, 0 for padding; the causal mask is always applied.
        decoder_inputs_embeds (`torch.FloatTensor` of shape `(batch_size, target_length, hidden_size)`, *optional*):
            Embedded decoder inputs instead of `decoder_input_ids`.
        labels (`torch.LongTensor` of shape `(batch_size, target_length)`, *optional*):
            Caption text ids (WordPiece, `< config.text_vocab_size`) ending with `[SEP]`, -100 on padding. The loss
            is the token-mean cross-entropy (divided by `num_items_in_batch` when `Trainer` passes it).
        """
        num_items_in_batch = kwargs.pop("num_items_in_batch", None)
        if labels is not None:
            use_cache = False
            if decoder_input_ids is None and decoder_inputs_embeds is None:
                decoder_input_ids = self.prepare_decoder_input_ids_from_labels(labels)
        outputs = self.model(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            pixel_values_videos=pixel_values_videos,
            decoder_input_ids=decoder_input_ids,
            decoder_attention_mask=decoder_attention_mask,
            encoder_outputs=encoder_outputs,
            cache=cache,
            inputs_embeds=inputs_embeds,
            decoder_inputs_embeds=decoder_inputs_embeds,
            use_cache=use_cache,
            **kwargs,
        )
        logits = self.lm_head(outputs.last_hidden_state, self.model.decoder.embeddings.word_embeddings.weight)
        loss = None
        if labels is not None:
            check_labels_shape("labels", labels, logits.shape[:2])
            loss = cross_entropy_loss(logits, labels, num_items_in_batch)
        return Seq2SeqLMOutput(
            loss=loss,
            logits=logits,
            cache=outputs.cache,
            decoder_hidden_states=outputs.decoder_hidden_states,
            decoder_attentions=outputs.decoder_attentions,
            cross_attentions=outputs.cross_attentions,
            encoder_last_hidden_state=outputs.encoder_last_hidden_state,
            encoder_hidden_states=outputs.encoder_hidden_states,
            encoder_attentions=outputs.encoder_attentions,
        )

    def prepare_decoder_input_ids_from_labels(self, labels: torch.Tensor) -> torch.Tensor:
        return shift_tokens_right(labels, self.config.pad_token_id, self.config.decoder_start_token_id)

    def _prepare_generation_config(self, generation_config, **kwargs):
        generation_config, model_kwargs = super()._prepare_generation_config(generation_config, **kwargs)
        num_beams = generation_config.num_beams or 1
        if num_beams > self.config.text_vocab_size:
            raise ValueError(
                f"num_beams={num_beams} is larger than the caption vocabulary (text_vocab_size="
                f"{self.config.text_vocab_size}): beam search keeps at most one beam per token."
            )
        return generation_config, model_kwargs

    @classmethod
    def from_videobert_pretrained(cls, pretrained, **config_kwargs) -> "VideoBertForConditionalGeneration":
        """
        Build a captioner from a pretrained VideoBERT encoder (the paper feeds VideoBERT's features to the captioner).

        The encoder takes the checkpoint's `VideoBertModel` weights. Each decoder layer `i` starts from encoder layer
        `i`: its self-attention and feed-forward copy that layer's (a sensible init that keeps the pretrained text
        knowledge), its cross-attention is freshly initialised. The decoder's position embeddings take the encoder's
        position embeddings plus the text segment embedding (text tokens always have segment 0, so this is exact), its
        LayerNorm the encoder embeddings' LayerNorm; the word embeddings are tied to the encoder's; the caption head
        takes the masked-LM head's transform and the text rows of its bias when the checkpoint has them.

        Args:
            pretrained (`str`, `os.PathLike` or [`VideoBertPreTrainedModel`]):
                A VideoBERT checkpoint (`VideoBertForPreTraining`, `VideoBertForMaskedLM` or `VideoBertModel`, as a
                folder / Hub id) or an already loaded VideoBERT model.
            config_kwargs:
                `VideoBertConfig` fields to override, e.g. `decoder_num_hidden_layers`, `decoder_start_token_id`,
                `eos_token_id`.
        """
        if not isinstance(pretrained, PreTrainedModel):
            pretrained = VideoBertForPreTraining.from_pretrained(pretrained)
        source = pretrained.state_dict()
        prefix = f"{pretrained.base_model_prefix}." if hasattr(pretrained, pretrained.base_model_prefix) else ""
        config_dict = pretrained.config.to_dict()
        for key in ("architectures", "transformers_version", "auto_map", "model_type"):
            config_dict.pop(key, None)
        config_dict.update(config_kwargs)
        config = VideoBertConfig(**config_dict)
        config._attn_implementation = pretrained.config._attn_implementation
        model = cls(config)
        target = model.state_dict()
        with torch.no_grad():
            for key, value in source.items():
                if key.startswith(prefix) and f"model.encoder.{key[len(prefix) :]}" in target:
                    target[f"model.encoder.{key[len(prefix) :]}"].copy_(value)
            for i in range(min(config.decoder_num_hidden_layers, config.num_hidden_layers)):
                layer_prefix = f"{prefix}encoder.layer.{i}."
                for key, value in source.items():
                    if key.startswith(layer_prefix):
                        target[f"model.decoder.layer.{i}.{key[len(layer_prefix) :]}"].copy_(value)
            embeddings = f"{prefix}embeddings."
            target["model.decoder.embeddings.position_embeddings.weight"].copy_(
                source[embeddings + "position_embeddings.weight"]
                + source[embeddings + "token_type_embeddings.weight"][TEXT_TYPE_ID]
            )
            for name in ("weight", "bias"):
                target[f"model.decoder.embeddings.LayerNorm.{name}"].copy_(source[f"{embeddings}LayerNorm.{name}"])
            for key, value in source.items():
                if key.startswith("cls.predictions.transform."):
                    target["lm_head." + key[len("cls.predictions.") :]].copy_(value)
            if "cls.predictions.bias" in source:
                target["lm_head.bias"].copy_(source["cls.predictions.bias"][: config.text_vocab_size])
        model.tie_weights()
        return model

    @classmethod
    def from_text_pretrained(
        cls, pretrained_model_name_or_path, attn_implementation: str | None = None, **config_kwargs
    ):
        """
        Build a captioner from a BERT-architecture text checkpoint: [`VideoBertForPreTraining.from_text_pretrained`]
        then [`~VideoBertForConditionalGeneration.from_videobert_pretrained`] (decoder layers from the BERT layers).
        `config_kwargs` are `VideoBertConfig` fields (`visual_vocab_size`, decoder fields, ...).
        """
        pretraining = VideoBertForPreTraining.from_text_pretrained(
            pretrained_model_name_or_path, attn_implementation=attn_implementation, **config_kwargs
        )
        return cls.from_videobert_pretrained(pretraining)


__all__ = [
    "VideoBertDecoder",
    "VideoBertEncoderDecoderModel",
    "VideoBertForConditionalGeneration",
    "VideoBertForMaskedLM",
    "VideoBertForPreTraining",
    "VideoBertForPreTrainingOutput",
    "VideoBertForSequenceClassification",
    "VideoBertForVideoTextAlignment",
    "VideoBertModel",
    "VideoBertPreTrainedModel",
]
