# Copyright 2026 The videobert_hf developers.
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

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.cache_utils import Cache, DynamicCache, EncoderDecoderCache
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

from .configuration_videobert import TEXT_TYPE_ID, VIDEO_TYPE_ID, VideoBertConfig
from .io_videobert import checkpoint_load_errors
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

# Regime ids of `VideoBertForPreTraining`'s loss, in the order of `VideoBertConfig`'s loss weights.
TEXT_ONLY, VIDEO_ONLY, TEXT_VIDEO = 0, 1, 2


def _is_compiling() -> bool:
    return torch.compiler.is_compiling()


def check_input_ids(config: VideoBertConfig, input_ids, token_type_ids, position_ids, attention_mask):
    """Raise a `ValueError` naming the argument when an input cannot index the model's tables (before any compute)."""
    if _is_compiling():
        return
    if input_ids is not None:
        if input_ids.dim() != 2:
            raise ValueError(f"input_ids must be 2-D (batch, sequence), got shape {tuple(input_ids.shape)}.")
        if input_ids.numel() and (input_ids.min() < 0 or input_ids.max() >= config.vocab_size):
            raise ValueError(
                f"input_ids holds ids outside the joint vocabulary [0, {config.vocab_size}): min "
                f"{int(input_ids.min())}, max {int(input_ids.max())}."
            )
        seq_length = input_ids.shape[1]
        shape = input_ids.shape
    else:
        seq_length = None
        shape = None
    if position_ids is not None:
        if position_ids.numel() and (position_ids.min() < 0 or position_ids.max() >= config.max_position_embeddings):
            raise ValueError(
                f"position_ids must lie in [0, max_position_embeddings={config.max_position_embeddings}), got max "
                f"{int(position_ids.max())}."
            )
    elif seq_length is not None and seq_length > config.max_position_embeddings:
        raise ValueError(
            f"input_ids has {seq_length} positions but the model allows max_position_embeddings="
            f"{config.max_position_embeddings}; truncate the sequence (the processor's `max_length`)."
        )
    if token_type_ids is not None:
        if shape is not None and token_type_ids.shape != shape:
            raise ValueError(
                f"token_type_ids has shape {tuple(token_type_ids.shape)}, input_ids has {tuple(shape)}; they must match."
            )
        if token_type_ids.numel() and (token_type_ids.min() < 0 or token_type_ids.max() >= config.type_vocab_size):
            raise ValueError(
                f"token_type_ids must be {TEXT_TYPE_ID} (text) or {VIDEO_TYPE_ID} (video), got values in "
                f"[{int(token_type_ids.min())}, {int(token_type_ids.max())}]."
            )
    if (
        attention_mask is not None
        and shape is not None
        and attention_mask.dim() == 2
        and attention_mask.shape != shape
    ):
        raise ValueError(
            f"attention_mask has shape {tuple(attention_mask.shape)}, input_ids has {tuple(shape)}; they must match."
        )


def check_labels(name: str, labels: torch.Tensor, expected_shape, num_classes: int):
    """Raise a `ValueError` naming `name` when labels have the wrong shape or hold ids outside `[0, num_classes)`."""
    if _is_compiling():
        return
    if tuple(labels.shape) != tuple(expected_shape):
        raise ValueError(f"{name} has shape {tuple(labels.shape)} but must have shape {tuple(expected_shape)}.")
    valid = labels[labels != -100]
    if valid.numel() and (valid.min() < 0 or valid.max() >= num_classes):
        raise ValueError(
            f"{name} must hold -100 (ignored) or ids in [0, {num_classes}), got values in "
            f"[{int(valid.min())}, {int(valid.max())}]."
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
            inputs_embeds = self.word_embeddings(input_ids)
        seq_length = inputs_embeds.shape[1]
        if position_ids is None:
            position_ids = self.position_ids[:, :seq_length]
        if token_type_ids is None:
            token_type_ids = torch.zeros(inputs_embeds.shape[:2], dtype=torch.long, device=inputs_embeds.device)
        embeddings = inputs_embeds + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


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
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.attention_head_size)
        query = self.query(hidden_states).view(hidden_shape).transpose(1, 2)
        key = self.key(hidden_states).view(hidden_shape).transpose(1, 2)
        value = self.value(hidden_states).view(hidden_shape).transpose(1, 2)
        if cache is not None:
            self_cache = cache.self_attention_cache if isinstance(cache, EncoderDecoderCache) else cache
            key, value = self_cache.update(key, value, self.layer_idx)

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
        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        return attn_output, attn_weights


class VideoBertCrossAttention(nn.Module):
    """Multi-head attention from the caption decoder to the encoder's video states (keys/values cached once)."""

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
        encoder_hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        cache: EncoderDecoderCache | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        input_shape = hidden_states.shape[:-1]
        query = self.query(hidden_states).view(*input_shape, -1, self.attention_head_size).transpose(1, 2)
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
        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        return attn_output, attn_weights


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

    def forward(
        self, sequence_output: torch.Tensor, pooled_output: torch.Tensor, masked: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Scores every position, or only the positions where `masked` is True (then flattened to `(num_masked, V)`)."""
        prediction_input = sequence_output if masked is None else sequence_output[masked]
        return self.predictions(prediction_input), self.alignment(pooled_output)


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
        return super().save_pretrained(save_directory, *args, **kwargs)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """
        `PreTrainedModel.from_pretrained`. A damaged local checkpoint (a truncated or partly written weights file or
        shard index, a missing shard, no config.json) raises a `CorruptCheckpointError` that names the file.
        """
        try:
            with checkpoint_load_errors(
                pretrained_model_name_or_path, kwargs.get("subfolder", ""), kwargs.get("config") is not None
            ):
                return super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
        except RuntimeError as error:
            if "ignore_mismatched_sizes" not in str(error):
                raise
            config = kwargs.get("config")
            if not isinstance(config, VideoBertConfig):
                config = VideoBertConfig.from_pretrained(pretrained_model_name_or_path)
            raise RuntimeError(
                f"The weights in {pretrained_model_name_or_path} do not have the shapes its config describes (the load "
                f"report above lists each tensor). The config's joint vocabulary has vocab_size={config.vocab_size} "
                f"rows (text_vocab_size={config.text_vocab_size}, 2 added tokens, then the visual tokens from "
                f"visual_token_offset={config.visual_token_offset}, visual_branching ** visual_levels = "
                f"{config.visual_branching}**{config.visual_levels}): a vocab_size, visual tree or hidden size edited in "
                "config.json, or taken from another checkpoint, no longer matches the word embeddings and the "
                "prediction head."
            ) from error

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
                `VideoBertConfig` fields to set, typically `visual_levels` and `visual_branching`; the BERT
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
        if any(getattr(visual_tokenizer.config, f) != getattr(self.visual_tokenizer.config, f) for f in fields):
            raise ValueError("The visual tokenizer's config differs from config.visual_tokenizer_config.")
        self.visual_tokenizer.load_state_dict(visual_tokenizer.state_dict())

    def tokenize_clips(self, input_ids: torch.Tensor, pixel_values_videos: torch.Tensor) -> torch.Tensor:
        """`input_ids` with each `[CLIP]` placeholder, in row-major order, replaced by the visual token of its clip."""
        if self.visual_tokenizer is None:
            raise ValueError(
                "pixel_values_videos needs a model that owns a visual tokenizer (config.visual_tokenizer_config, "
                "see `load_visual_tokenizer`); otherwise pass the visual token ids in input_ids."
            )
        placeholders = input_ids == self.config.clip_token_id
        num_placeholders = int(placeholders.sum())
        if num_placeholders != pixel_values_videos.shape[0]:
            raise ValueError(
                f"input_ids holds {num_placeholders} [CLIP] placeholders but pixel_values_videos has "
                f"{pixel_values_videos.shape[0]} clips; the processor emits one clip per placeholder."
            )
        tokens = self.visual_tokenizer(pixel_values_videos).to(input_ids.device)
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
        """
        if (input_ids is None) ^ (inputs_embeds is not None):
            raise ValueError("You must specify exactly one of input_ids or inputs_embeds")
        check_input_ids(self.config, input_ids, token_type_ids, position_ids, attention_mask)
        if pixel_values_videos is not None:
            input_ids = self.tokenize_clips(input_ids, pixel_values_videos)
        if inputs_embeds is not None and position_ids is None:
            if inputs_embeds.shape[1] > self.config.max_position_embeddings:
                raise ValueError(
                    f"inputs_embeds has {inputs_embeds.shape[1]} positions but the model allows "
                    f"max_position_embeddings={self.config.max_position_embeddings}."
                )

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
        Mean masked-prediction loss over the masked positions of text-only examples (detached; for logging).
    video_loss (`torch.FloatTensor` of shape `()`, *optional*):
        Mean masked-prediction loss over the masked positions of video-only examples (detached; for logging).
    text_video_loss (`torch.FloatTensor` of shape `()`, *optional*):
        Mean masked-prediction loss over the masked positions of text-video examples (detached; for logging).
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


def example_regimes(token_type_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
    """
    Regime of each example, from its segments: text-only when no attended position is video; video-only when the
    first position (`[CLS]`) is its only text position; text-video otherwise. Returns `(batch_size,)` of
    `TEXT_ONLY` / `VIDEO_ONLY` / `TEXT_VIDEO`.
    """
    attended = torch.ones_like(token_type_ids, dtype=torch.bool) if attention_mask is None else attention_mask.bool()
    is_video = (token_type_ids == VIDEO_TYPE_ID) & attended
    is_text = (token_type_ids == TEXT_TYPE_ID) & attended
    has_video = is_video.any(dim=1)
    has_text = is_text[:, 1:].any(dim=1)
    regimes = torch.full_like(has_video, TEXT_VIDEO, dtype=torch.long)
    regimes[~has_video] = TEXT_ONLY
    regimes[has_video & ~has_text] = VIDEO_ONLY
    return regimes


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
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor] | VideoBertForPreTrainingOutput:
        r"""
        token_type_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Segment of each position: 0 for text (and `[CLS]`), 1 for video tokens. They also decide each example's
            regime: text-only (no video position), video-only (`[CLS]` is the only text position) or text-video.
        labels (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Joint-vocabulary ids of the masked tokens, -100 elsewhere. Text and visual positions are predicted by the
            same head. The masked-prediction loss is a token mean in which each masked token counts with the weight
            of its example's regime (`text_loss_weight`, `video_loss_weight`, `text_video_loss_weight`); with
            `num_items_in_batch` (passed by `Trainer`) the weighted sum is divided by it instead of the local count,
            so gradient accumulation and data parallelism see one token mean over the global batch.
        alignment_labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*):
            1 when the sentence and the video segment are temporally aligned, 0 when not, -100 to ignore (text-only
            and video-only examples). Its mean cross-entropy enters the loss with weight
            `text_video_loss_weight * alignment_loss_weight`. Under `Trainer`, pass the global number of labelled
            examples as the keyword `num_alignment_items_in_batch` (the example script's trainer does) to make that a
            mean over the global batch too; without it, when `num_items_in_batch` is given, the local mean is
            weighted by this batch's share of the masked tokens (exact when every micro-batch has the same share).
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
        masked = None
        if labels is not None:
            check_labels("labels", labels, sequence_output.shape[:2], self.config.vocab_size)
            masked = labels != -100
        prediction_logits, alignment_logits = self.cls(sequence_output, pooled_output, masked)
        alignment_sum, alignment_count = self._alignment_loss_sum(alignment_logits, alignment_labels)
        alignment_loss = alignment_sum / alignment_count.clamp(min=1) if alignment_sum is not None else None

        if labels is None:
            return VideoBertForPreTrainingOutput(
                loss=alignment_loss,
                alignment_loss=alignment_loss.detach() if alignment_loss is not None else None,
                prediction_logits=prediction_logits,
                alignment_logits=alignment_logits,
                hidden_states=outputs.hidden_states,
                attentions=outputs.attentions,
            )

        token_losses = nn.functional.cross_entropy(prediction_logits.float(), labels[masked], reduction="none")
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(labels)
        regimes = example_regimes(token_type_ids, attention_mask)
        weights = torch.tensor(
            [self.config.text_loss_weight, self.config.video_loss_weight, self.config.text_video_loss_weight],
            device=token_losses.device,
            dtype=token_losses.dtype,
        )
        token_regimes = regimes.unsqueeze(1).expand_as(labels)[masked]
        # a batch may hold no masked token at all (e.g. only misaligned pairs): its masked-token term is then 0, not 0/0
        count = num_items_in_batch if num_items_in_batch is not None else masked.sum()
        denominator = torch.as_tensor(count, device=token_losses.device).clamp(min=1)
        loss = (token_losses * weights[token_regimes]).sum() / denominator

        regime_losses = []
        for regime in (TEXT_ONLY, VIDEO_ONLY, TEXT_VIDEO):
            selected = token_losses[token_regimes == regime]
            regime_losses.append(selected.mean().detach() if selected.numel() else None)

        if alignment_loss is not None:
            if num_alignment_items_in_batch is not None:
                alignment_term = alignment_sum / num_alignment_items_in_batch
            elif num_items_in_batch is not None:
                alignment_term = alignment_loss * masked.sum() / denominator
            else:
                alignment_term = alignment_loss
            loss = loss + self.config.text_video_loss_weight * self.config.alignment_loss_weight * alignment_term

        return VideoBertForPreTrainingOutput(
            loss=loss,
            text_loss=regime_losses[TEXT_ONLY],
            video_loss=regime_losses[VIDEO_ONLY],
            text_video_loss=regime_losses[TEXT_VIDEO],
            alignment_loss=alignment_loss.detach() if alignment_loss is not None else None,
            prediction_logits=prediction_logits,
            alignment_logits=alignment_logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )

    def _alignment_loss_sum(self, alignment_logits, alignment_labels):
        """Summed alignment cross-entropy and the number of labelled examples (`(None, None)` without labels)."""
        if alignment_labels is None:
            return None, None
        check_labels("alignment_labels", alignment_labels, alignment_logits.shape[:1], 2)
        losses = nn.functional.cross_entropy(
            alignment_logits.float(), alignment_labels, ignore_index=-100, reduction="sum"
        )
        return losses, (alignment_labels != -100).sum()


@auto_docstring(
    custom_intro="""
    VideoBERT with the masked-prediction head over the joint vocabulary: fill-mask for zero-shot classification
    ("now let me show you how to [MASK] the [MASK]"), text-to-video token prediction and forecasting.
    """
)
class VideoBertForMaskedLM(VideoBertPreTrainedModel):
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
            check_labels("labels", labels, logits.shape[:2], self.config.vocab_size)
            loss = self.loss_function(logits, labels, vocab_size=self.config.vocab_size, **kwargs)
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
            check_labels("labels", labels, logits.shape[:1], 2)
            loss = nn.functional.cross_entropy(logits.float(), labels, ignore_index=-100)
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
                check_labels("labels", labels, logits.shape[:1], self.num_labels)
            loss = self.loss_function(labels, logits, self.config, **kwargs)
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
            inputs_embeds = self.word_embeddings(input_ids)
        seq_length = inputs_embeds.shape[1]
        max_positions = self.position_embeddings.num_embeddings
        if not _is_compiling() and cache_length + seq_length > max_positions:
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
        "attentions": OutputRecorder(VideoBertSelfAttention, index=1),
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
        if input_ids is not None and not _is_compiling() and input_ids.numel():
            if input_ids.min() < 0 or input_ids.max() >= self.config.vocab_size:
                raise ValueError(
                    f"decoder_input_ids holds ids outside the vocabulary [0, {self.config.vocab_size}): min "
                    f"{int(input_ids.min())}, max {int(input_ids.max())}."
                )
        if use_cache and cache is None:
            cache = EncoderDecoderCache(DynamicCache(config=self.config), DynamicCache(config=self.config))
        cache_length = cache.get_seq_length() if cache is not None else 0

        hidden_states = self.embeddings(input_ids=input_ids, inputs_embeds=inputs_embeds, cache_length=cache_length)
        batch_size, seq_length = hidden_states.shape[:2]
        if attention_mask is None and not _is_compiling():
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
            check_labels("labels", labels, logits.shape[:2], self.config.text_vocab_size)
            loss = fixed_cross_entropy(
                logits.float().flatten(0, 1), labels.flatten().to(logits.device), num_items_in_batch
            )
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
        `config_kwargs` are `VideoBertConfig` fields (`visual_levels`, `visual_branching`, decoder fields, ...).
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
