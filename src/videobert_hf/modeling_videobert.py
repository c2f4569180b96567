# Copyright (c) 2018, NVIDIA CORPORATION.  All rights reserved.
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
from transformers.masking_utils import create_bidirectional_mask
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import BaseModelOutputWithPooling, MaskedLMOutput, SequenceClassifierOutput
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS, PreTrainedModel
from transformers.processing_utils import Unpack
from transformers.utils import ModelOutput, TransformersKwargs, auto_docstring, logging
from transformers.utils.generic import can_return_tuple, merge_with_config_defaults
from transformers.utils.output_capturing import capture_outputs

from .configuration_videobert import TEXT_TYPE_ID, VIDEO_TYPE_ID, VideoBertConfig
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
    """Multi-head bidirectional self-attention dispatched through transformers' attention interface."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.config = config
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.scaling = self.attention_head_size**-0.5
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)
        self.is_causal = False

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.attention_head_size)
        query = self.query(hidden_states).view(hidden_shape).transpose(1, 2)
        key = self.key(hidden_states).view(hidden_shape).transpose(1, 2)
        value = self.value(hidden_states).view(hidden_shape).transpose(1, 2)

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
    """Self-attention block: attention followed by its output projection."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.self = VideoBertSelfAttention(config)
        self.output = VideoBertSelfOutput(config)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> torch.Tensor:
        attention_output, _ = self.self(hidden_states, attention_mask, **kwargs)
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
    """One transformer encoder layer: self-attention then feed-forward."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.attention = VideoBertAttention(config)
        self.intermediate = VideoBertIntermediate(config)
        self.output = VideoBertOutput(config)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> torch.Tensor:
        attention_output = self.attention(hidden_states, attention_mask, **kwargs)
        return self.output(self.intermediate(attention_output), attention_output)


class VideoBertEncoder(nn.Module):
    """A stack of `num_hidden_layers` encoder layers."""

    def __init__(self, config: VideoBertConfig):
        super().__init__()
        self.layer = nn.ModuleList([VideoBertLayer(config) for _ in range(config.num_hidden_layers)])

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

    @classmethod
    def from_text_pretrained(
        cls, pretrained_model_name_or_path, attn_implementation: str | None = None, **config_kwargs
    ):
        """
        Build this VideoBERT class from a BERT-architecture text checkpoint (the paper starts from BERT-large).

        The encoder, the position / segment embeddings, the pooler and, when the checkpoint has them, BERT's masked-LM
        head and next-sentence head are copied; the word embeddings and the output bias gain rows for `[>]`, `[CLIP]` and
        the visual tokens, which keep the usual random initialisation. BERT's next-sentence classifier becomes the
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
                if new_key.endswith(("word_embeddings.weight", "predictions.bias", "decoder.bias")):
                    target[new_key][: value.shape[0]].copy_(value)  # the new tokens' rows keep their init
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
        if visual_tokenizer.config.to_diff_dict() != self.visual_tokenizer.config.to_diff_dict():
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
        denominator = num_items_in_batch if num_items_in_batch is not None else masked.sum().clamp(min=1)
        loss = (token_losses * weights[token_regimes]).sum() / denominator

        regime_losses = []
        for regime in (TEXT_ONLY, VIDEO_ONLY, TEXT_VIDEO):
            selected = token_losses[token_regimes == regime]
            regime_losses.append(selected.mean().detach() if selected.numel() else None)

        if alignment_loss is not None:
            if num_alignment_items_in_batch is not None:
                alignment_term = alignment_sum / num_alignment_items_in_batch
            elif num_items_in_batch is not None:
                alignment_term = alignment_loss * masked.sum() / num_items_in_batch
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


__all__ = [
    "VideoBertForMaskedLM",
    "VideoBertForPreTraining",
    "VideoBertForPreTrainingOutput",
    "VideoBertForSequenceClassification",
    "VideoBertForVideoTextAlignment",
    "VideoBertModel",
    "VideoBertPreTrainedModel",
]
