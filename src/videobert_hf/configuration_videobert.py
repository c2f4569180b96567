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
"""VideoBERT model configuration."""

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig


TEXT_TYPE_ID = 0
VIDEO_TYPE_ID = 1


# auto_docstring names the model from a transformers/models/<name>/ path, which an out-of-tree package has not.
# trf-ignore: TRF057 (the docstring below is written by hand instead)
@strict
class VideoBertConfig(PreTrainedConfig):
    r"""
    Configuration of a VideoBERT model (Sun et al., ICCV 2019): a BERT encoder over one joint vocabulary of
    WordPiece text tokens, the special tokens VideoBERT adds and the visual words of a hierarchical k-means codebook.

    The joint vocabulary is laid out as three contiguous ranges:

    ```
    [0, text_vocab_size)                               WordPiece ids of the text tokenizer ([PAD], [CLS], [SEP], [MASK] ...)
    [text_vocab_size, visual_token_offset)             tokens VideoBERT adds: `[>]` (text-video separator), `[CLIP]`
    [visual_token_offset, vocab_size)                  visual tokens, visual_branching ** visual_levels of them
    ```

    Args:
        vocab_size (`int`, *optional*):
            Size of the joint vocabulary. Defaults to `text_vocab_size + 2 + visual_branching ** visual_levels`.
        text_vocab_size (`int`, defaults to 30522):
            Number of WordPiece ids (BERT's uncased vocabulary by default).
        visual_levels (`int`, defaults to 4):
            Depth of the hierarchical k-means tree that defines the visual words.
        visual_branching (`int`, defaults to 12):
            Clusters per node of that tree; there are `visual_branching ** visual_levels` visual tokens (20,736).
        text_video_separator_token_id (`int`, *optional*):
            Id of `[>]`, which joins a sentence and its video segment. Defaults to `text_vocab_size`.
        clip_token_id (`int`, *optional*):
            Id of `[CLIP]`, the placeholder a processor emits for a clip whose visual token the model's own visual
            tokenizer computes from `pixel_values_videos`. Defaults to `text_vocab_size + 1`.
        text_loss_weight, video_loss_weight, text_video_loss_weight (`float`):
            Weights of the three pretraining regimes (text-only masked LM, video-only masked visual-token prediction,
            text-video masked prediction plus alignment) in `VideoBertForPreTraining`'s total loss.
        alignment_loss_weight (`float`, defaults to 1.0):
            Weight of the linguistic-visual alignment loss inside the text-video regime.

    The remaining arguments are BERT's and mean what they mean in [`~transformers.BertConfig`]; the token type ids are
    0 for text and 1 for video, so `type_vocab_size` is 2.

    Example:

    ```python
    >>> from videobert_hf import VideoBertConfig, VideoBertModel

    >>> config = VideoBertConfig()  # BERT-base dimensions, 30522 + 2 + 12**4 tokens
    >>> config.vocab_size, config.visual_token_offset
    (51260, 30524)
    >>> model = VideoBertModel(config)
    ```"""

    model_type = "videobert"

    vocab_size: int | None = None
    text_vocab_size: int = 30522
    visual_levels: int = 4
    visual_branching: int = 12
    text_video_separator_token_id: int | None = None
    clip_token_id: int | None = None
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float | int = 0.1
    attention_probs_dropout_prob: float | int = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int | None = 0
    classifier_dropout: float | int | None = None
    text_loss_weight: float | int = 1.0
    video_loss_weight: float | int = 1.0
    text_video_loss_weight: float | int = 1.0
    alignment_loss_weight: float | int = 1.0
    tie_word_embeddings: bool = True

    def __post_init__(self, **kwargs):
        if self.text_video_separator_token_id is None:
            self.text_video_separator_token_id = self.text_vocab_size
        if self.clip_token_id is None:
            self.clip_token_id = self.text_vocab_size + 1
        if self.vocab_size is None:
            self.vocab_size = self.text_vocab_size + 2 + self.visual_vocab_size
        super().__post_init__(**kwargs)

    @property
    def visual_vocab_size(self) -> int:
        """Number of visual tokens: one per leaf of the hierarchical k-means tree."""
        return self.visual_branching**self.visual_levels

    @property
    def visual_token_offset(self) -> int:
        """Joint-vocabulary id of visual token 0; the visual tokens are the last ids of the vocabulary."""
        return self.vocab_size - self.visual_vocab_size

    def validate_vocabulary_layout(self):
        """Part of `@strict` validation: the three vocabulary ranges must be consistent."""
        if self.visual_levels < 1 or self.visual_branching < 2:
            raise ValueError(
                f"visual_levels must be >= 1 and visual_branching >= 2, got {self.visual_levels} and "
                f"{self.visual_branching}."
            )
        if self.text_vocab_size < 1:
            raise ValueError(f"text_vocab_size must be positive, got {self.text_vocab_size}.")
        if self.visual_token_offset < self.text_vocab_size + 2:
            raise ValueError(
                f"vocab_size={self.vocab_size} cannot hold text_vocab_size={self.text_vocab_size}, the 2 VideoBERT "
                f"special tokens and {self.visual_branching}**{self.visual_levels}={self.visual_vocab_size} visual "
                f"tokens: it must be at least {self.text_vocab_size + 2 + self.visual_vocab_size}."
            )
        added = range(self.text_vocab_size, self.visual_token_offset)
        for name in ("text_video_separator_token_id", "clip_token_id"):
            if getattr(self, name) not in added:
                raise ValueError(
                    f"{name}={getattr(self, name)} must lie in the added-token range [{added.start}, {added.stop}) "
                    "between the text and the visual vocabularies."
                )
        if self.text_video_separator_token_id == self.clip_token_id:
            raise ValueError("text_video_separator_token_id and clip_token_id must differ.")
        if self.pad_token_id is not None and not 0 <= self.pad_token_id < self.text_vocab_size:
            raise ValueError(f"pad_token_id={self.pad_token_id} must be a text token id (< {self.text_vocab_size}).")
        if self.type_vocab_size < 2:
            raise ValueError(f"type_vocab_size must be >= 2 (0 = text, 1 = video), got {self.type_vocab_size}.")

    def validate_architecture(self):
        """Part of `@strict` validation: attention heads must divide the hidden size; loss weights are >= 0."""
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"The hidden size ({self.hidden_size}) is not a multiple of the number of attention "
                f"heads ({self.num_attention_heads})."
            )
        for name in ("text_loss_weight", "video_loss_weight", "text_video_loss_weight", "alignment_loss_weight"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}.")


__all__ = ["VideoBertConfig"]
