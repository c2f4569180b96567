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
"""Processor class for VideoBERT: WordPiece text + visual tokens → the paper's joint sequences."""

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from transformers.feature_extraction_utils import BatchFeature
from transformers.processing_utils import ProcessingKwargs, ProcessorMixin, Unpack

from .configuration_videobert import (
    ADDED_TOKENS,
    CLIP_TOKEN,
    DEFAULT_VISUAL_VOCAB_SIZE,
    TEXT_TYPE_ID,
    TEXT_VIDEO_SEPARATOR,
    VIDEO_TYPE_ID,
)


@dataclass(frozen=True)
class VideoBertSpecialIds:
    """The ids a VideoBERT sequence is built from: BERT's special tokens, VideoBERT's added ones, the visual range."""

    cls: int
    sep: int
    pad: int
    mask: int
    text_video_separator: int
    clip: int
    visual_token_offset: int
    visual_vocab_size: int
    # visual words per clip (codebooks of the visual tokenizer): a clip takes this many consecutive positions
    num_codebooks: int = 1

    @classmethod
    def from_tokenizer(
        cls, tokenizer, visual_token_offset: int, visual_vocab_size: int, num_codebooks: int = 1
    ) -> "VideoBertSpecialIds":
        """Reads the special ids of a WordPiece tokenizer that holds `[>]` and `[CLIP]` (see `add_videobert_tokens`)."""
        # token ids, not `get_vocab()`, which copies the whole vocabulary (tens of ms) and this runs on every decode
        separator, clip = tokenizer.convert_tokens_to_ids([TEXT_VIDEO_SEPARATOR, CLIP_TOKEN])
        missing = [
            token
            for token, token_id in ((TEXT_VIDEO_SEPARATOR, separator), (CLIP_TOKEN, clip))
            if token_id is None or token_id == tokenizer.unk_token_id
        ]
        if missing:
            raise ValueError(
                f"The tokenizer has no {missing}: call `add_videobert_tokens(tokenizer)` before building VideoBERT "
                "sequences."
            )
        ids = cls(
            cls=tokenizer.cls_token_id,
            sep=tokenizer.sep_token_id,
            pad=tokenizer.pad_token_id,
            mask=tokenizer.mask_token_id,
            text_video_separator=separator,
            clip=clip,
            visual_token_offset=visual_token_offset,
            visual_vocab_size=visual_vocab_size,
            num_codebooks=num_codebooks,
        )
        if max(ids.text_video_separator, ids.clip) >= visual_token_offset:
            raise ValueError(
                f"The tokenizer's {TEXT_VIDEO_SEPARATOR}/{CLIP_TOKEN} ids ({ids.text_video_separator}, {ids.clip}) "
                f"collide with the visual tokens, which start at {visual_token_offset}."
            )
        return ids


def add_videobert_tokens(tokenizer) -> None:
    """Adds `ADDED_TOKENS` (`[>]`, `[CLIP]`) to a WordPiece tokenizer as special tokens, after its text ids."""
    tokenizer.add_special_tokens({"additional_special_tokens": list(ADDED_TOKENS)}, replace_extra_special_tokens=False)


# The paper's three pretraining regimes, which the sequence layout below tells apart (`sequence_regimes`).
TEXT_ONLY, VIDEO_ONLY, TEXT_VIDEO = 0, 1, 2


def num_special_tokens(has_text: bool, has_video: bool) -> int:
    """Special tokens of a sequence: `[CLS]` and `[SEP]`, plus `[>]` between a text and a video part."""
    return 3 if has_text and has_video else 2


def part_positions(num_text: int, num_video: int) -> tuple[range, range]:
    """
    Positions of the text part and of the video part in a sequence built by `build_videobert_inputs` from that many
    text and visual ids: `[CLS] text [>] video [SEP]` (or `[CLS] text [SEP]`, `[CLS] video [SEP]`).
    """
    text = range(1, 1 + num_text)
    video_start = text.stop + 1 if num_text and num_video else 1
    return text, range(video_start, video_start + num_video)


def truncate_lengths(text_length: int, video_length: int, budget: int) -> tuple[int, int]:
    """Longest-first truncation of a text part and a video part to fit `budget` positions together."""
    if budget < 0:
        raise ValueError(f"max_length leaves no room for the special tokens (budget {budget}).")
    while text_length + video_length > budget:
        if text_length >= video_length:
            text_length -= 1
        else:
            video_length -= 1
    return text_length, video_length


def clip_words(visual_ids, special: VideoBertSpecialIds) -> list[int]:
    """
    The visual words of a video part, flattened clip by clip: each clip is an id (one codebook) or a sequence of
    `special.num_codebooks` ids (its words in codebook order; a flat list of words is taken as it is). With several
    codebooks the words must come in whole clips, word g of a clip in codebook g's range `[g * K, (g + 1) * K)`;
    `special.clip` (a placeholder) stands for one word.
    """
    words = []
    for clip in visual_ids or []:
        if isinstance(clip, (list, tuple)) or getattr(clip, "ndim", 0) > 0:
            words.extend(int(w) for w in (clip.tolist() if hasattr(clip, "tolist") else clip))
        else:
            words.append(int(clip))
    groups = special.num_codebooks
    if groups > 1:
        if len(words) % groups:
            raise ValueError(
                f"{len(words)} visual words are not whole clips: with num_codebooks={groups} each clip has {groups} "
                "words, one per codebook, in order."
            )
        size = special.visual_vocab_size // groups
        for position, word in enumerate(words):
            g = position % groups
            if word != special.clip and not g * size <= word < (g + 1) * size:
                raise ValueError(
                    f"visual id {word} at word {g} of clip {position // groups} is outside codebook {g}'s range "
                    f"[{g * size}, {(g + 1) * size}) (num_codebooks={groups}: a clip's words come in codebook order)."
                )
    return words


def first_clips(visual_ids, special: VideoBertSpecialIds, max_positions: int) -> list[int]:
    """The words (`clip_words`) of the first whole clips of `visual_ids` that fit in `max_positions` positions."""
    words = clip_words(visual_ids, special)
    return words[: max(0, max_positions) // special.num_codebooks * special.num_codebooks]


def build_videobert_inputs(
    text_ids: Sequence[int] | None,
    visual_ids: Sequence[int] | Sequence[Sequence[int]] | None,
    special: VideoBertSpecialIds,
    max_length: int | None = None,
) -> tuple[list[int], list[int]]:
    """
    Builds one VideoBERT sequence and its segment ids.

    - text only: `[CLS] text [SEP]`, all segment 0;
    - video only: `[CLS] video [SEP]`, `[CLS]` segment 0 and the rest segment 1;
    - text and video: `[CLS] text [>] video [SEP]`, `[CLS] text [>]` segment 0 and `video [SEP]` segment 1.

    `visual_ids` are codebook ids in `[0, visual_vocab_size)` (what the visual tokenizer emits) and are shifted into the
    joint vocabulary; `special.clip` may stand in for a clip whose token the model computes itself. With several
    codebooks (`special.num_codebooks`) each clip is its words in codebook order (see `clip_words`) and takes that many
    consecutive positions. Truncation to `max_length` cuts the longer part first (video in whole clips) and never drops
    a special token.
    """
    text_ids = list(text_ids or [])
    visual_ids = clip_words(visual_ids, special)
    if not text_ids and not visual_ids:
        raise ValueError("A VideoBERT sequence needs text ids, visual ids or both; both are empty.")
    for visual_id in visual_ids:
        if visual_id != special.clip and not 0 <= visual_id < special.visual_vocab_size:
            raise ValueError(
                f"visual id {visual_id} is outside the visual vocabulary [0, {special.visual_vocab_size})."
            )
    num_special = num_special_tokens(bool(text_ids), bool(visual_ids))
    if max_length is not None:
        text_length, video_length = truncate_lengths(len(text_ids), len(visual_ids), max_length - num_special)
        if special.num_codebooks > 1:  # whole clips: the text takes what rounding the video down frees
            video_length -= video_length % special.num_codebooks
            text_length = min(len(text_ids), max_length - num_special - video_length)
        # a part that was present keeps at least one token, so the sequence's regime does not change
        if (text_ids and not text_length) or (visual_ids and not video_length):
            parts = "both a text and a video token" if num_special == 3 else "one token besides [CLS] and [SEP]"
            raise ValueError(f"max_length={max_length} is too short to hold {parts}.")
        text_ids, visual_ids = text_ids[:text_length], visual_ids[:video_length]
    joint_visual = [v if v == special.clip else v + special.visual_token_offset for v in visual_ids]

    if not visual_ids:
        input_ids = [special.cls, *text_ids, special.sep]
        return input_ids, [TEXT_TYPE_ID] * len(input_ids)
    if not text_ids:
        input_ids = [special.cls, *joint_visual, special.sep]
        return input_ids, [TEXT_TYPE_ID] + [VIDEO_TYPE_ID] * (len(input_ids) - 1)
    input_ids = [special.cls, *text_ids, special.text_video_separator, *joint_visual, special.sep]
    text_part = len(text_ids) + 2
    return input_ids, [TEXT_TYPE_ID] * text_part + [VIDEO_TYPE_ID] * (len(input_ids) - text_part)


def sequence_regimes(token_type_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
    """
    The inverse of `build_videobert_inputs` for the regime: text-only when no attended position is video, video-only
    when `[CLS]` is the only text position, text-video otherwise. `(batch, length)` -> `(batch,)` of `TEXT_ONLY`,
    `VIDEO_ONLY`, `TEXT_VIDEO`, computed on the tensors' device (nothing is read back to the host).
    """
    attended = torch.ones_like(token_type_ids, dtype=torch.bool) if attention_mask is None else attention_mask.bool()
    has_video = ((token_type_ids == VIDEO_TYPE_ID) & attended).any(dim=1)
    has_text = ((token_type_ids == TEXT_TYPE_ID) & attended)[:, 1:].any(dim=1)
    regimes = torch.where(has_text, TEXT_VIDEO, VIDEO_ONLY)
    return torch.where(has_video, regimes, TEXT_ONLY)


def pad_videobert_batch(
    sequences: Sequence[tuple[Sequence[int], Sequence[int]]],
    pad_token_id: int,
    pad_to_multiple_of: int | None = None,
    device: torch.device | str | None = None,
) -> dict[str, torch.Tensor]:
    """
    Right-pads `(input_ids, token_type_ids)` pairs (from `build_videobert_inputs`) into a batch: `input_ids`,
    `token_type_ids` and `attention_mask`, `torch.long` of shape `(batch, longest)` (the longest rounded up to
    `pad_to_multiple_of`); padding is `pad_token_id`, segment 0, attention 0.
    """
    if not sequences:
        raise ValueError("There is no sequence to pad (an empty batch).")
    lengths = torch.tensor([len(ids) for ids, _ in sequences])
    length = max(len(ids) for ids, _ in sequences)
    if pad_to_multiple_of:
        length = -(-length // pad_to_multiple_of) * pad_to_multiple_of
    attention_mask = torch.arange(length).unsqueeze(0) < lengths.unsqueeze(1)
    input_ids = torch.full((len(sequences), length), pad_token_id, dtype=torch.long)
    input_ids[attention_mask] = torch.tensor([i for ids, _ in sequences for i in ids], dtype=torch.long)
    token_type_ids = torch.full((len(sequences), length), TEXT_TYPE_ID, dtype=torch.long)
    token_type_ids[attention_mask] = torch.tensor([t for _, types in sequences for t in types], dtype=torch.long)
    batch = {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask.long()}
    return {name: tensor.to(device) for name, tensor in batch.items()} if device is not None else batch


def align_sentences_to_clips(
    sentence_times: Sequence[Sequence[float]], clip_times: Sequence[Sequence[float]]
) -> list[tuple[int, int]]:
    """
    The video segment of each timestamped sentence: the clips whose midpoint lies in `[start, end)`, as a
    `(first_clip, end_clip)` span (end exclusive). A sentence whose span holds no clip midpoint gets the one clip
    nearest to its centre, so it keeps a video segment; with no clips at all every span is `(0, 0)`.
    """
    midpoints = [(float(s) + float(e)) / 2 for s, e in clip_times]
    spans = []
    for start, end in sentence_times:
        start, end = float(start), float(end)
        if end < start:
            raise ValueError(f"sentence time ({start}, {end}) ends before it starts.")
        inside = [i for i, mid in enumerate(midpoints) if start <= mid < end]
        if inside:
            spans.append((inside[0], inside[-1] + 1))
        elif midpoints:
            centre = (start + end) / 2
            nearest = min(range(len(midpoints)), key=lambda i: abs(midpoints[i] - centre))
            spans.append((nearest, nearest + 1))
        else:
            spans.append((0, 0))
    return spans


def _as_id_lists(visual_tokens, name: str = "visual_tokens", num_codebooks: int = 1) -> list[list]:
    """
    Visual token ids as one list per sequence, from what users naturally pass: a list of ints (one sequence), a list of
    lists, a 1-D or 2-D tensor or numpy array (what the visual tokenizer returns), or a list of 1-D tensors / arrays.
    Integer values of any integer type; anything else raises a `ValueError` naming `name`.

    With `num_codebooks` G > 1 each sequence comes back as a list of clips (`[G ids]` each): tensors and arrays have
    one more dimension (`[clips, G]` for one sequence, `[sequences, clips, G]`), and a sequence given as a flat list
    of words is cut into clips of G (a sequence whose words are not whole clips raises a `ValueError`).
    """
    if num_codebooks > 1:
        if isinstance(visual_tokens, (torch.Tensor, np.ndarray)):
            if visual_tokens.ndim not in (2, 3) or visual_tokens.shape[-1] != num_codebooks:
                raise ValueError(
                    f"{name} must be [clips, {num_codebooks}] or [sequences, clips, {num_codebooks}] with "
                    f"num_codebooks={num_codebooks}, got shape {tuple(visual_tokens.shape)}."
                )
            visual_tokens = visual_tokens.reshape(-1, visual_tokens.shape[-2] * num_codebooks)
        else:
            visual_tokens = list(visual_tokens)
            nested = [v for v in visual_tokens if isinstance(v, (list, tuple, torch.Tensor, np.ndarray))]
            if nested and all(isinstance(c, (list, tuple, torch.Tensor, np.ndarray)) for v in nested for c in v):
                visual_tokens = [
                    [w for clip in v for w in (clip.tolist() if hasattr(clip, "tolist") else clip)]
                    for v in visual_tokens
                ]
        sequences = _as_id_lists(visual_tokens, name)
        for index, words in enumerate(sequences):
            if len(words) % num_codebooks:
                raise ValueError(
                    f"{name}[{index}] has {len(words)} visual words, not whole clips of num_codebooks={num_codebooks}."
                )
        return [[words[i : i + num_codebooks] for i in range(0, len(words), num_codebooks)] for words in sequences]

    def ids(sequence, where: str) -> list[int]:
        if isinstance(sequence, (torch.Tensor, np.ndarray)):
            array = np.asarray(sequence.detach().cpu() if isinstance(sequence, torch.Tensor) else sequence)
            if array.ndim != 1:
                raise ValueError(f"{name}{where} must be a sequence of ids, got an array of shape {array.shape}.")
            if array.size and not np.issubdtype(array.dtype, np.integer):
                raise ValueError(f"{name}{where} must hold integer ids, got {array.dtype} values.")
            return array.astype(np.int64).tolist()
        # 0-d integer tensors / arrays (e.g. `ids[i]` of a tensor) count as ints
        values = [v.item() if isinstance(v, (torch.Tensor, np.ndarray)) and v.ndim == 0 else v for v in sequence]
        wrong = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, np.integer))]
        if wrong:
            raise ValueError(f"{name}{where} must hold integer ids, got {wrong[0]!r} ({type(wrong[0]).__name__}).")
        return [int(v) for v in values]

    if isinstance(visual_tokens, (torch.Tensor, np.ndarray)):
        if visual_tokens.ndim not in (1, 2):
            raise ValueError(f"{name} must be 1-D or 2-D, got shape {tuple(visual_tokens.shape)}.")
        if visual_tokens.ndim == 1:
            return [ids(visual_tokens, "")]
    visual_tokens = list(visual_tokens)
    if not visual_tokens:
        raise ValueError(f"Nothing to process: {name} is empty (pass one list of ids per sequence).")
    if all(isinstance(v, (int, float, np.number)) or getattr(v, "ndim", None) == 0 for v in visual_tokens):
        return [ids(visual_tokens, "")]
    return [ids(v, f"[{i}]") for i, v in enumerate(visual_tokens)]


# trf-ignore: TRF057 (auto_docstring needs a transformers/models/<name>/ path; the docstrings here are written by hand)
class VideoBertProcessor(ProcessorMixin):
    r"""
    Builds VideoBERT's model inputs from text, visual token ids and videos: a WordPiece tokenizer (with the `[>]` and
    `[CLIP]` tokens VideoBERT adds) and a [`VideoBertVideoProcessor`].

    Sequences follow the paper (`build_videobert_inputs`): text-only `[CLS] text [SEP]`, video-only `[CLS] video [SEP]`
    and text-video `[CLS] text [>] video [SEP]`, with `token_type_ids` 0 for `[CLS]`, the text and `[>]`, 1 for the
    video part. Visual tokens are codebook ids in `[0, visual_vocab_size)`; they occupy the joint-vocabulary ids from
    `visual_token_offset` on. `[CLIP]` is the processor's `video_token`: the placeholder of a clip whose visual token a
    model that owns a visual tokenizer computes from `pixel_values_videos`.

    Args:
        video_processor ([`VideoBertVideoProcessor`]): turns video files or frames into clips.
        tokenizer ([`~transformers.BertTokenizer`]): WordPiece tokenizer; `[>]` and `[CLIP]` are added if missing.
        visual_vocab_size (`int`, defaults to 12 ** 4): number of visual tokens, as in [`VideoBertConfig`] (the leaves
            of the visual tokenizer's k-means tree).
        visual_token_offset (`int`, *optional*): joint id of visual token 0; defaults to the tokenizer's size
            (text vocabulary + `[>]` + `[CLIP]`), the layout of [`VideoBertConfig`].
        num_codebooks (`int`, defaults to 1): visual words per clip, as in [`VideoBertConfig`]; a clip takes that many
            consecutive positions (its words in codebook order, or that many `[CLIP]` placeholders). Not saved when 1.
    """

    # ProcessorMixin's defaults of the text part: pad the batch to its longest sequence (`[PAD]`, attention mask 0)
    text_kwargs = {"padding": True}
    video_token = CLIP_TOKEN

    def __init__(
        self,
        video_processor=None,
        tokenizer=None,
        visual_vocab_size=DEFAULT_VISUAL_VOCAB_SIZE,
        visual_token_offset=None,
        num_codebooks=1,
        **kwargs,
    ):
        if tokenizer is not None and not all(t in tokenizer.get_vocab() for t in ADDED_TOKENS):
            add_videobert_tokens(tokenizer)
        if num_codebooks < 1 or visual_vocab_size % num_codebooks:
            raise ValueError(
                f"num_codebooks={num_codebooks} must be >= 1 and divide visual_vocab_size={visual_vocab_size}."
            )
        self.visual_vocab_size = visual_vocab_size
        self.num_codebooks = num_codebooks
        self.visual_token_offset = visual_token_offset if visual_token_offset is not None else len(tokenizer)
        self.video_token_id = tokenizer.convert_tokens_to_ids(CLIP_TOKEN) if tokenizer is not None else None
        super().__init__(video_processor, tokenizer, **kwargs)

    @classmethod
    def get_processor_dict(cls, pretrained_model_name_or_path, **kwargs):
        # processor_config.json files written before `visual_vocab_size` described the visual vocabulary by its tree.
        # Translated here, where every transformers v5 `from_pretrained` reads the file (5.24 then builds through
        # `from_args_and_dict`, 5.25 through `from_dict`).
        processor_dict, kwargs = super().get_processor_dict(pretrained_model_name_or_path, **kwargs)
        processor_dict = dict(processor_dict)
        levels, branching = processor_dict.pop("visual_levels", None), processor_dict.pop("visual_branching", None)
        if (levels is not None or branching is not None) and "visual_vocab_size" not in processor_dict:
            processor_dict["visual_vocab_size"] = (branching or 12) ** (levels or 4)
        return processor_dict, kwargs

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        folder = os.path.normpath(
            os.path.join(os.fspath(pretrained_model_name_or_path), kwargs.get("subfolder") or "")
        )
        tokenizer_files = ("tokenizer.json", "vocab.txt")
        if os.path.isdir(folder) and not any(os.path.isfile(os.path.join(folder, f)) for f in tokenizer_files):
            raise ValueError(
                f"{folder} has no usable tokenizer files (tokenizer.json, or vocab.txt with tokenizer_config.json): a "
                "VideoBertProcessor needs its WordPiece tokenizer, which `processor.save_pretrained` writes next to "
                "processor_config.json."
            )
        return super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)

    def to_dict(self) -> dict:
        output = super().to_dict()
        if output.get("num_codebooks") == 1:  # the paper's setting: processor_config.json as before codebooks existed
            del output["num_codebooks"]
        return output

    @property
    def text_vocab_size(self) -> int:
        """Size of the text vocabulary without the tokens VideoBERT adds (the config's `text_vocab_size`)."""
        return self.visual_token_offset - len(ADDED_TOKENS)

    def config_kwargs(self) -> dict:
        """The `VideoBertConfig` fields that describe this processor's vocabulary layout."""
        return {
            "text_vocab_size": self.text_vocab_size,
            "visual_vocab_size": self.visual_vocab_size,
            "num_codebooks": self.num_codebooks,
            "vocab_size": self.visual_token_offset + self.visual_vocab_size,
        }

    @property
    def special_ids(self) -> VideoBertSpecialIds:
        return VideoBertSpecialIds.from_tokenizer(
            self.tokenizer, self.visual_token_offset, self.visual_vocab_size, self.num_codebooks
        )

    def encode_sentences(self, sentences: Sequence[str]) -> list[list[int]]:
        """
        WordPiece ids of transcript sentences (no special tokens added): the one text-tokenization path of corpus data.

        Text is data here, never markup: BERT's special-token strings (`[MASK]`, `[SEP]`, `[PAD]`, `[CLS]`, `[UNK]`) and
        VideoBERT's `[>]` and `[CLIP]` in a sentence are tokenized as the plain text they are (`[`, `mask`, `]`), so a
        transcript can never inject a special id into a pretraining sequence. (`__call__` parses `[MASK]` in `text`,
        which the zero-shot templates need.)
        """
        if not sentences:
            return []
        return self.tokenizer(list(sentences), add_special_tokens=False, split_special_tokens=True)["input_ids"]

    @property
    def model_input_names(self):
        return ["input_ids", "token_type_ids", "attention_mask", "pixel_values_videos"]

    def check_config(self, config) -> None:
        """Raise a `ValueError` when this processor's vocabulary layout differs from a `VideoBertConfig`'s."""
        special = self.special_ids
        expected = {
            "visual_token_offset": (special.visual_token_offset, config.visual_token_offset),
            "visual_vocab_size": (special.visual_vocab_size, config.visual_vocab_size),
            "num_codebooks": (special.num_codebooks, config.num_codebooks),
            "text_video_separator_token_id": (special.text_video_separator, config.text_video_separator_token_id),
            "clip_token_id": (special.clip, config.clip_token_id),
        }
        wrong = {name: pair for name, pair in expected.items() if pair[0] != pair[1]}
        if wrong:
            details = ", ".join(f"{name}: processor {a}, model {b}" for name, (a, b) in wrong.items())
            raise ValueError(f"The processor and the model disagree on the vocabulary layout ({details}).")

    # trf-ignore: TRF057 (documented by hand, see the class)
    def __call__(
        self,
        text: str | list[str] | None = None,
        videos=None,
        visual_tokens=None,
        sentence_times: Sequence[Sequence[float]] | None = None,
        visual_tokenizer=None,
        **kwargs: Unpack[ProcessingKwargs],
    ) -> BatchFeature:
        """
        Build a batch of VideoBERT sequences.

        Args:
            text: a sentence or a list of sentences; each must give at least one WordPiece token and must not hold
                `[>]` or `[CLIP]`, which VideoBERT reserves (`[MASK]` and BERT's other special tokens are parsed).
            videos: video files or frames for the video processor. With `visual_tokenizer` their clips become visual
                tokens; without one each clip becomes a `[CLIP]` placeholder and the clips are returned as
                `pixel_values_videos`, in placeholder order, for a model that owns a visual tokenizer.
            visual_tokens: codebook ids, one list per sequence (or one list for a single sequence); tensors and
                numpy arrays (1-D for one sequence, 2-D for several) are accepted as they are. With several
                codebooks a sequence is its clips' words: a flat list (each clip's words in codebook order) or one
                list of `num_codebooks` ids per clip; tensors are then 2-D `[clips, G]` for one sequence (what the
                visual tokenizer returns) and 3-D for several.
            sentence_times: `(start, end)` seconds of each sentence of `text`, all from ONE video: each sentence is
                paired with the clips inside its span (see `align_sentences_to_clips`).
            visual_tokenizer: a [`VideoBertVisualTokenizer`] that maps clips to codebook ids.
            kwargs: routed by `ProcessorMixin` (or given per modality as `text_kwargs=` / `videos_kwargs=`): `max_length`
                (truncate each sequence to this many positions, longest part first, special tokens kept), `padding`
                (default `True`: pad the batch to its longest sequence; `False` returns unpadded lists),
                `pad_to_multiple_of`, `return_tensors` (`"pt"`, or `None` for lists); the video processor's options
                (`fps`, `clip_length`, `start`, `end`, ...).

        Pairing: text alone gives text-only sequences; visual tokens (or videos) alone give video-only sequences,
        one per video; text with visual tokens (or videos) gives text-video sequences, one per sentence, paired by
        position (or by `sentence_times` for one video).
        """
        if text is None and videos is None and visual_tokens is None:
            raise ValueError("Nothing to process: pass text, videos or visual_tokens.")
        if videos is not None and visual_tokens is not None:
            raise ValueError("Pass either videos or visual_tokens, not both.")
        if isinstance(videos, (list, tuple)) and not videos:
            raise ValueError("Nothing to process: videos is empty (pass at least one video, or visual tokens).")
        output_kwargs = self._merge_kwargs(**kwargs)
        text_kwargs, videos_kwargs = output_kwargs["text_kwargs"], output_kwargs["videos_kwargs"]
        special = self.special_ids
        encoded_text = self._encode_text(text, special)

        video_ids, per_video_clips, per_video_times = None, None, None
        if videos is not None:
            videos_kwargs["return_tensors"] = "pt"
            clips = self.video_processor(videos, **videos_kwargs)
            counts = clips["num_clips_per_video"].tolist()
            per_video_clips = clips["pixel_values_videos"].split(counts)
            per_video_times = clips["clip_times"].split(counts)
            if visual_tokenizer is not None:
                video_ids = [visual_tokenizer(c).tolist() if len(c) else [] for c in per_video_clips]
            else:  # one placeholder per word of each clip
                placeholder = special.clip if special.num_codebooks == 1 else [special.clip] * special.num_codebooks
                video_ids = [[placeholder] * len(c) for c in per_video_clips]
        elif visual_tokens is not None:
            video_ids = _as_id_lists(visual_tokens, num_codebooks=special.num_codebooks)

        pairs = self._pair(encoded_text, video_ids, sentence_times, per_video_times)
        sequences, placeholder_clips = [], []
        for text_ids, visual_ids, (video_index, first) in pairs:
            if visual_ids is not None and not visual_ids and not text_ids:
                raise ValueError(f"video {video_index} has no clip (shorter than one clip?) and there is no text.")
            ids, types = build_videobert_inputs(text_ids, visual_ids, special, text_kwargs.get("max_length"))
            sequences.append((ids, types))
            if per_video_clips is not None and visual_tokenizer is None and visual_ids:
                kept = sum(1 for i in ids if i == special.clip) // special.num_codebooks
                placeholder_clips.extend(per_video_clips[video_index][first : first + kept])

        if text_kwargs.get("padding", True):
            data = pad_videobert_batch(sequences, special.pad, text_kwargs.get("pad_to_multiple_of"))
        else:
            data = {
                "input_ids": [ids for ids, _ in sequences],
                "token_type_ids": [types for _, types in sequences],
                "attention_mask": [[1] * len(ids) for ids, _ in sequences],
            }
        if placeholder_clips:
            data["pixel_values_videos"] = torch.stack(placeholder_clips)
        return_tensors = text_kwargs.get("return_tensors")
        if return_tensors is None:  # lists, as tokenizers give them (the clips stay a tensor)
            data = {
                name: value.tolist() if isinstance(value, torch.Tensor) and name != "pixel_values_videos" else value
                for name, value in data.items()
            }
        return BatchFeature(data=data, tensor_type=return_tensors)

    def _encode_text(self, text, special: VideoBertSpecialIds) -> list[list[int]] | None:
        """WordPiece ids of each sentence of `text` (`[MASK]` parsed); errors name the empty or reserved sentence."""
        if text is None:
            return None
        texts = [text] if isinstance(text, str) else list(text)
        if not texts:
            raise ValueError("Nothing to process: text is an empty list (pass at least one sentence, or no text).")
        for index, sentence in enumerate(texts):
            if not isinstance(sentence, str) or not sentence.strip():
                raise ValueError(
                    f"text holds an empty sentence (sentence {index}); drop it or pass visual tokens alone."
                )
        encoded = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        reserved = {special.text_video_separator, special.clip}
        for index, (sentence, ids) in enumerate(zip(texts, encoded)):
            excerpt = sentence if len(sentence) <= 60 else sentence[:57] + "..."
            if not ids:
                # e.g. only control, zero-width or lone combining characters, which BERT's normaliser drops
                raise ValueError(
                    f"text holds an empty sentence: sentence {index} ({excerpt!r}) has no WordPiece token; drop it or "
                    "pass visual tokens alone."
                )
            if reserved & set(ids):
                raise ValueError(
                    f"text sentence {index} ({excerpt!r}) holds {TEXT_VIDEO_SEPARATOR} or {CLIP_TOKEN}: VideoBERT "
                    f"reserves {TEXT_VIDEO_SEPARATOR} and {CLIP_TOKEN} for the text/video boundary and the clip "
                    "placeholders."
                )
        return encoded

    @staticmethod
    def _pair(encoded_text, video_ids, sentence_times, per_video_times):
        """
        `(text_ids or None, visual_ids or None, (video index, first clip))` per sequence: sentences with the clips of
        their time spans, or sentences and videos by position, or either alone.
        """
        if sentence_times is not None:
            if encoded_text is None or video_ids is None or len(video_ids) != 1:
                raise ValueError("sentence_times needs text and exactly one video (or one visual token list).")
            if len(sentence_times) != len(encoded_text):
                raise ValueError(f"sentence_times has {len(sentence_times)} spans for {len(encoded_text)} sentences.")
            if per_video_times is None:
                raise ValueError("sentence_times needs videos (the clip times come from the video processor).")
            spans = align_sentences_to_clips(sentence_times, per_video_times[0].tolist())
            return [(ids, video_ids[0][first:end], (0, first)) for ids, (first, end) in zip(encoded_text, spans)]
        if encoded_text is not None and video_ids is not None:
            if len(encoded_text) != len(video_ids):
                raise ValueError(f"{len(encoded_text)} sentences cannot be paired with {len(video_ids)} videos.")
            return [(t, v, (i, 0)) for i, (t, v) in enumerate(zip(encoded_text, video_ids))]
        if encoded_text is not None:
            return [(t, None, (None, 0)) for t in encoded_text]
        return [(None, v, (i, 0)) for i, v in enumerate(video_ids)]

    def decode(self, token_ids, skip_special_tokens: bool = False) -> str:
        """Render a mixed sequence: text through the tokenizer, visual tokens as `[V<id>]`, `[>]` and `[CLIP]` kept."""
        if hasattr(token_ids, "tolist"):
            token_ids = token_ids.tolist()
        special = self.special_ids
        pieces, text_run = [], []

        def flush():
            if text_run:
                decoded = self.tokenizer.decode(text_run, skip_special_tokens=skip_special_tokens)
                if decoded:
                    pieces.append(decoded)
                text_run.clear()

        for token_id in token_ids:
            if token_id >= special.visual_token_offset:
                flush()
                pieces.append(f"[V{token_id - special.visual_token_offset}]")
            elif token_id in (special.text_video_separator, special.clip):
                flush()
                if not skip_special_tokens:
                    pieces.append(TEXT_VIDEO_SEPARATOR if token_id == special.text_video_separator else CLIP_TOKEN)
            else:
                text_run.append(token_id)
        flush()
        return " ".join(pieces)

    def batch_decode(self, sequences, skip_special_tokens: bool = False) -> list[str]:
        """`decode` for each sequence of a batch."""
        return [self.decode(ids, skip_special_tokens=skip_special_tokens) for ids in sequences]


def check_shown_codebooks(name: str, shown: Sequence[int] | None, num_codebooks: int) -> None:
    """`shown` (None: every codebook) must name one or more of `num_codebooks` codebooks; else an error naming `name`."""
    if shown is not None and (not len(shown) or not set(shown) <= set(range(num_codebooks))):
        raise ValueError(
            f"{name}={list(shown)} must name one or more of the model's codebooks 0..{num_codebooks - 1} "
            f"(num_codebooks={num_codebooks})."
        )


def hide_codebooks(sequences, special, shown: Sequence[int]) -> list[tuple[list[int], list[int]]]:
    """
    Sequences `(joint ids, segment ids)` (`build_videobert_inputs`) with the visual words of every codebook not in
    `shown` set to `[MASK]`: what a query that asks a label of some of a clip's words sees.
    """
    offset, size = special.visual_token_offset, special.visual_vocab_size // special.num_codebooks
    hidden = {offset + word for word in range(special.visual_vocab_size) if word // size not in shown}
    return [([special.mask if i in hidden else i for i in ids], types) for ids, types in sequences]


__all__ = [
    "TEXT_ONLY",
    "TEXT_VIDEO",
    "VIDEO_ONLY",
    "VideoBertProcessor",
    "VideoBertSpecialIds",
    "add_videobert_tokens",
    "align_sentences_to_clips",
    "build_videobert_inputs",
    "check_shown_codebooks",
    "clip_words",
    "first_clips",
    "hide_codebooks",
    "num_special_tokens",
    "pad_videobert_batch",
    "part_positions",
    "sequence_regimes",
]
