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
"""Data collator that turns tokenized videos into VideoBERT pretraining batches (the paper's three regimes)."""

import multiprocessing as mp
import os
from dataclasses import dataclass
from typing import Any

import torch
from transformers.data.data_collator import DataCollatorMixin
from transformers.utils import logging

from .configuration_videobert import VIDEO_TYPE_ID
from .processing_videobert import (
    TEXT_ONLY,
    TEXT_VIDEO,
    VIDEO_ONLY,
    VideoBertSpecialIds,
    build_videobert_inputs,
    clip_words,
    pad_videobert_batch,
    sequence_regimes,
)


logger = logging.get_logger(__name__)

CONTRACT_COLUMNS = ("video_id", "visual_ids", "sentence_text_ids", "sentence_clip_spans")
# uniform draws each example consumes, in this order (one torch.rand call per batch)
_U_REGIME, _U_SENTENCE, _U_CONCAT, _U_CONCAT_LEN, _U_STRIDE, _U_OFFSET, _U_NEGATIVE, _U_OTHER, _U_WINDOW = range(9)
_NUM_DRAWS = 9
# the draws of `codebook_swap`, made only when it is on
_S_APPLY, _S_OTHER, _S_WINDOW, _S_CODEBOOK = range(4)
_NUM_SWAP_DRAWS = 4


def _as_list(value) -> list:
    """A list from a list, tuple, numpy array or tensor column value (`None` gives an empty list)."""
    if value is None:
        return []
    return value.tolist() if hasattr(value, "tolist") else list(value)


@dataclass
class _Row:
    """One usable video: its tokens and the sentences that survived cleaning."""

    video_id: str
    visual_ids: list[int]
    texts: list[list[int]]
    spans: list[tuple[int, int]]
    text_starts: list[int]  # sentences with text: starts of text-only examples
    text_video_starts: list[int]  # sentences with text and a non-empty span: starts of text-video examples
    regimes: list[int]  # regimes this row can give whose weight is positive


@dataclass
class DataCollatorForVideoBertPretraining(DataCollatorMixin):
    """
    Builds VideoBERT pretraining batches from rows of the tokenized-dataset contract (one row per video):

    ```
    video_id: str
    visual_ids: list[int]                   # codebook id in [0, visual_vocab_size) of each 1.5 s clip, time order
    sentence_text_ids: list[list[int]]      # WordPiece ids of each ASR sentence, no special tokens, time order
    sentence_clip_spans: list[list[int]]    # [first_clip, end_clip) of each sentence's segment in visual_ids
    ```

    Each row gives one example, in a regime drawn with `regime_weights` among those the row can give:

    - text-only `[CLS] text [SEP]`: a random sentence, masked LM on the text;
    - video-only `[CLS] video [SEP]`: `video_only_length` visual tokens from a random place of the whole video (the
      paper's segment when there is no ASR), subsampled with the random stride, masked visual-token prediction;
    - text-video `[CLS] text [>] video [SEP]`: a random sentence and its clip span. With `negative_probability` the
      segment is replaced by a window of the same length, at a random place, of another video of the batch
      (`alignment_labels` 0; 1 otherwise; -100 for the other regimes). Text and video are masked each at its rate.
      Negatives are masked like positives (so the presence of masks says nothing about alignment) but their
      `labels` are all -100: the masked tokens of a mismatched pair are not predicted (as in LXMERT).
      With `whole_video_mask_probability` an aligned example has every visual token replaced by `[MASK]` and predicted
      from its whole, unmasked text: the conditional `p(x_t = k | sentence)` that the paper's text-to-video reads,
      which 15 % masking inside a visible video hardly trains (a masked clip is then guessed from its neighbours).
      Its `alignment_labels` is -100: with the video hidden, alignment cannot be judged. At 0 (the default) the random
      stream is the same as without the option.
    - With `future_mask_probability` a video-only example has its last 1 to `max_future_clips` clips (drawn uniformly)
      replaced by `[MASK]` and predicted from the clips before them alone: the query of forecasting
      (`[CLS] v1 .. vt [MASK] x h [SEP]`), which 15 % masking inside a visible video hardly trains (a masked clip is
      then guessed from the clip after it as much as from the one before). At 0 (the default) the random stream is
      the same as without the option.

    With `concat_probability` a sentence is joined with 1 to `max_concat_sentences - 1` following sentences (texts
    concatenated, the covering clip span of their spans), and the video of text-video and video-only examples is
    subsampled with a stride drawn uniformly in `1..max_stride` from a random offset. Sequences are built by
    `build_videobert_inputs`, so truncation to `max_length` cuts the longer part and keeps the special tokens.

    Masking (vectorised over the padded batch): text words (a WordPiece token and its following `##` pieces) are
    chosen with probability `mlm_probability`, visual tokens with `visual_mask_probability`; each chosen token becomes
    `[MASK]` 80 % of the time, a random token of the same modality 10 % (an ordinary text token, or a visual token)
    and stays unchanged 10 %. `labels` hold the original joint id of each chosen token, -100 elsewhere. Special
    tokens (`[CLS]`, `[SEP]`, `[>]`, `[PAD]`, `[UNK]`, ...) and padding are never chosen.

    Several codebooks (`num_codebooks` G > 1, the visual tokenizer's): `visual_ids` holds per clip its G words (a list
    `[G]` per clip, as `VideoBertVisualTokenizer.encode(...).tolist()` gives them, or a flat list of whole clips' words),
    spans and strides count clips, `video_only_length` is in clips, and a clip takes G consecutive positions. Masking
    treats a clip as one word: its G words are chosen (and predicted) together, so that a masked object word is never
    read off the same clip's visible action word; the 80/10/10 action is drawn per position, and a random replacement
    is a word of the same codebook. `codebook_dropout` p (G > 1 only; 0 by default): each example hides, with
    probability p, every word of one of its codebooks (drawn uniformly) behind `[MASK]` without predicting it, so that
    the model learns to read each label from each codebook's words alone instead of only from the pairs of words seen
    in training (a clip of an unseen verb-noun pair shows a known action word beside a known object word). Clips chosen
    for prediction keep their labels.
    `codebook_swap` p (G > 1 only; 0 by default): an aligned text-video example whose video is not hidden (by
    `whole_video_mask_probability`, drawn first) has, with probability p, the words of one of its codebooks (drawn
    uniformly among `codebook_swap_codebooks`, all by default) replaced by that codebook's words of a window of as many
    clips of another video of the batch, its text kept and predicted; its `alignment_labels` is -100 (the video only
    partly matches the text). Where `codebook_dropout` only hides a codebook, so that the model still learns which
    words the training pairs put together, this shows it words never paired in training, as a clip of an unseen
    verb-noun pair shows them: with an object word swapped in, the verb is still the action word's. The text's other
    label then has only the kept codebook to go by, so that a swapped action word teaches the verb from the object
    word, the pair prior itself: `codebook_swap_codebooks=(0,)` swaps only the object words (codebook 0). Measured
    (BENCHMARKS.md, "Another video's object words"): that removes the verb's pair prior and teaches the noun's, since
    the noun of every pair of words never given in training was then the action word's.
    `codebook_named_words` (a tuple per codebook of text ids; `words_named_by_codebook` measures them on the training
    videos, without labels) leaves out of a swapped example's loss the text words that its swapped codebook names, so
    that the swap teaches the kept codebook's label beside words never seen with it and nothing from the other label.
    Measured (BENCHMARKS.md, "A swapped pair does not predict the words its swapped codebook names"): with the object
    words swapped, neither label keeps a pair prior, where the codebook that names a label does not also name the other.

    Bad rows, by rule:

    - a sentence with empty text and an empty span is dropped (`num_skipped_sentences`); one with text but an empty
      span only gives text-only examples; one with a span but no text only widens concatenated spans;
    - a row with no visual tokens only gives text-only examples; a row with no text only video-only ones;
    - a row that can give no regime whose weight is positive (e.g. neither text nor video) is skipped: counted in
      `num_skipped` and logged (first time, then every `log_skipped_every`); `dataset.filter(collator.is_usable)`
      removes such rows up front;
    - a batch in which every row is skipped raises a `ValueError` naming its video ids (a data error: there is no
      example to train on, and an empty batch would give a 0/0 loss);
    - ids outside the text or visual vocabulary, or a span that is not `0 <= first <= end <= len(visual_ids)`, raise
      a `ValueError` naming the video id;
    - rows without the contract columns raise a `ValueError`: `Trainer` drops dataset columns that are not arguments
      of the model's `forward` unless `TrainingArguments(remove_unused_columns=False)`.

    Randomness: with `seed=None` every draw comes from torch's global RNG, which `Trainer` seeds and checkpoints (a
    resumed run replays the same batches). With an int `seed`, draws come from a private `torch.Generator`: the same
    seed gives the same sequence of batches; in a `DataLoader` worker it is seeded with `seed + worker_id`, as
    transformers' `DataCollatorForLanguageModeling` does.

    Returns `input_ids`, `token_type_ids`, `attention_mask`, `labels` (batch, length) and `alignment_labels` (batch,),
    all `torch.long`, padded to the longest example (rounded up to `pad_to_multiple_of`).
    """

    tokenizer: Any
    visual_token_offset: int
    visual_vocab_size: int
    regime_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    num_codebooks: int = 1
    mlm_probability: float = 0.15
    visual_mask_probability: float = 0.15
    negative_probability: float = 0.5
    whole_video_mask_probability: float = 0.0
    future_mask_probability: float = 0.0
    max_future_clips: int = 4
    codebook_dropout: float = 0.0
    codebook_swap: float = 0.0
    codebook_swap_codebooks: tuple[int, ...] | None = None
    codebook_named_words: tuple[tuple[int, ...], ...] | None = None
    concat_probability: float = 0.5
    max_concat_sentences: int = 3
    max_stride: int = 5
    video_only_length: int = 16
    max_length: int | None = 128
    pad_to_multiple_of: int | None = None
    log_skipped_every: int = 1000
    seed: int | None = None
    return_tensors: str = "pt"

    def __post_init__(self):
        if self.return_tensors != "pt":
            raise ValueError(
                f"DataCollatorForVideoBertPretraining returns torch tensors only, not {self.return_tensors!r}."
            )
        weights = tuple(float(w) for w in self.regime_weights)
        if len(weights) != 3 or min(weights) < 0 or sum(weights) <= 0:
            raise ValueError(
                "regime_weights must be 3 non-negative numbers (text-only, video-only, text-video) with a positive sum, "
                f"got {self.regime_weights}."
            )
        self.regime_weights = weights
        for name in (
            "mlm_probability",
            "visual_mask_probability",
            "negative_probability",
            "whole_video_mask_probability",
            "future_mask_probability",
            "codebook_dropout",
            "codebook_swap",
            "concat_probability",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {getattr(self, name)}.")
        for name in (
            "max_concat_sentences",
            "max_stride",
            "video_only_length",
            "max_future_clips",
            "log_skipped_every",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}.")
        if self.pad_to_multiple_of is not None and self.pad_to_multiple_of < 1:
            raise ValueError(f"pad_to_multiple_of must be None or >= 1, got {self.pad_to_multiple_of}.")
        if self.max_length is not None and self.max_length < 5:
            raise ValueError(f"max_length must be >= 5 ([CLS] text [>] video [SEP]), got {self.max_length}.")

        if self.num_codebooks < 1 or self.visual_vocab_size % self.num_codebooks:
            raise ValueError(
                f"num_codebooks={self.num_codebooks} must be >= 1 and divide visual_vocab_size={self.visual_vocab_size}."
            )
        if self.codebook_dropout > 0 and self.num_codebooks == 1:
            raise ValueError(
                f"codebook_dropout={self.codebook_dropout} hides one of several codebooks' words: it needs "
                "num_codebooks > 1 (with one word per clip it would hide the whole video)."
            )
        if self.codebook_swap > 0 and self.num_codebooks == 1:
            raise ValueError(
                f"codebook_swap={self.codebook_swap} swaps one of several codebooks' words between videos: it needs "
                "num_codebooks > 1 (with one word per clip it would swap the whole video, a misaligned pair)."
            )
        self._swappable = tuple(range(self.num_codebooks))
        if self.codebook_swap_codebooks is not None:
            self._swappable = tuple(int(g) for g in self.codebook_swap_codebooks)
            if not self._swappable or any(not 0 <= g < self.num_codebooks for g in self._swappable):
                raise ValueError(
                    f"codebook_swap_codebooks={self.codebook_swap_codebooks} must name codebooks among 0..."
                    f"{self.num_codebooks - 1} (num_codebooks={self.num_codebooks})."
                )
        if self.codebook_named_words is not None:
            named = tuple(tuple(int(t) for t in words) for words in self.codebook_named_words)
            if self.codebook_swap == 0 or len(named) != self.num_codebooks:
                raise ValueError(
                    f"codebook_named_words (the text words each codebook names, not predicted where that codebook is "
                    f"swapped) needs codebook_swap > 0 (got {self.codebook_swap}) and one tuple of text ids per codebook "
                    f"({self.num_codebooks}), got {len(named)}; `words_named_by_codebook` measures them."
                )
            self.codebook_named_words = named
        self.special = VideoBertSpecialIds.from_tokenizer(
            self.tokenizer, self.visual_token_offset, self.visual_vocab_size, self.num_codebooks
        )
        # WordPiece ids are [0, text_vocab_size); [>] and [CLIP] follow them
        self.text_vocab_size = min(self.special.text_video_separator, self.special.clip)
        joint_size = self.visual_token_offset + self.visual_vocab_size
        vocab = self.tokenizer.get_vocab()
        is_continuation = torch.zeros(joint_size, dtype=torch.bool)
        continuation_ids = [
            i for token, i in vocab.items() if token.startswith("##") and 0 <= i < self.text_vocab_size
        ]
        is_continuation[continuation_ids] = True
        self._is_continuation = is_continuation
        special_ids = set(self.tokenizer.all_special_ids) | {
            self.special.cls,
            self.special.sep,
            self.special.pad,
            self.special.mask,
            self.special.text_video_separator,
            self.special.clip,
        }
        is_special = torch.zeros(joint_size, dtype=torch.bool)
        is_special[[i for i in special_ids if i is not None and 0 <= i < joint_size]] = True
        self._is_special = is_special
        self._random_text_ids = torch.nonzero(~is_special[: self.text_vocab_size]).flatten()
        self._named = None
        if self.codebook_named_words is not None:
            self._named = torch.zeros((self.num_codebooks, joint_size), dtype=torch.bool)
            for g, words in enumerate(self.codebook_named_words):
                bad = [t for t in words if not 0 <= t < self.text_vocab_size]
                if bad:
                    raise ValueError(
                        f"codebook_named_words[{g}] holds {bad[:5]}, outside the WordPiece vocabulary "
                        f"[0, {self.text_vocab_size})."
                    )
                self._named[g, list(words)] = True

        self.num_skipped = 0
        self.num_skipped_sentences = 0
        self.generator = None
        self._generator_pid = None

    @classmethod
    def from_config(cls, tokenizer, config, **kwargs) -> "DataCollatorForVideoBertPretraining":
        """Reads the visual vocabulary from a `VideoBertConfig` and checks that the tokenizer's `[>]` matches it."""
        collator = cls(
            tokenizer=tokenizer,
            visual_token_offset=config.visual_token_offset,
            visual_vocab_size=config.visual_vocab_size,
            num_codebooks=config.num_codebooks,
            **kwargs,
        )
        if (collator.special.text_video_separator, collator.special.clip) != (
            config.text_video_separator_token_id,
            config.clip_token_id,
        ):
            raise ValueError(
                f"The tokenizer's [>]/[CLIP] ids ({collator.special.text_video_separator}, {collator.special.clip}) "
                f"differ from the config's ({config.text_video_separator_token_id}, {config.clip_token_id})."
            )
        return collator

    # ---- randomness -------------------------------------------------------------------------------------------

    def _get_generator(self) -> torch.Generator | None:
        """`None` (torch's global RNG) without a seed; else the private generator, re-seeded once per process."""
        if self.seed is None:
            return None
        if self.generator is None or self._generator_pid != os.getpid():
            seed = self.seed
            if mp.current_process().name != "MainProcess":
                worker_info = torch.utils.data.get_worker_info()
                if worker_info is not None:
                    seed = self.seed + worker_info.id
            self.generator = torch.Generator().manual_seed(seed)
            self._generator_pid = os.getpid()
        return self.generator

    # ---- rows -------------------------------------------------------------------------------------------------

    def _parse_row(self, feature) -> tuple[_Row | None, int]:
        """
        Validates one contract row and cleans its sentences. Returns the row (`None` when it can give no enabled
        regime) and its number of dropped empty sentences.
        """
        if not hasattr(feature, "keys") or any(column not in feature for column in CONTRACT_COLUMNS):
            present = sorted(feature.keys()) if hasattr(feature, "keys") else type(feature).__name__
            raise ValueError(
                f"DataCollatorForVideoBertPretraining needs rows with the columns {list(CONTRACT_COLUMNS)}, got "
                f"{present}. It builds the model inputs from these raw columns, which are not arguments of the "
                "model's forward, so Trainer removes them by default: pass "
                "`TrainingArguments(remove_unused_columns=False)`."
            )
        video_id = feature["video_id"]
        visual_ids = feature["visual_ids"]
        visual_ids = visual_ids if type(visual_ids) is list else _as_list(visual_ids)
        words = visual_ids
        if self.num_codebooks > 1:  # one [G] list per clip; the words' codebook ranges are checked here
            try:
                words = clip_words(visual_ids, self.special)
            except ValueError as error:
                raise ValueError(f"Video {video_id!r}: {error}") from error
            visual_ids = [words[i : i + self.num_codebooks] for i in range(0, len(words), self.num_codebooks)]
        if words and (min(words) < 0 or max(words) >= self.visual_vocab_size):
            bad = next(v for v in words if not 0 <= v < self.visual_vocab_size)
            raise ValueError(
                f"Video {video_id!r}: visual id {bad} is outside the visual vocabulary [0, {self.visual_vocab_size})."
            )
        sentence_texts = [t if type(t) is list else _as_list(t) for t in _as_list(feature["sentence_text_ids"])]
        sentence_spans = _as_list(feature["sentence_clip_spans"])
        if len(sentence_texts) != len(sentence_spans):
            raise ValueError(
                f"Video {video_id!r}: {len(sentence_texts)} sentences in sentence_text_ids but {len(sentence_spans)} "
                "spans in sentence_clip_spans."
            )
        nonempty = [text for text in sentence_texts if text]
        if nonempty and (min(map(min, nonempty)) < 0 or max(map(max, nonempty)) >= self.text_vocab_size):
            bad = next(t for text in nonempty for t in text if not 0 <= t < self.text_vocab_size)
            raise ValueError(
                f"Video {video_id!r}: text id {bad} is outside the WordPiece vocabulary [0, {self.text_vocab_size})."
            )
        num_clips = len(visual_ids)
        texts, spans, text_starts, text_video_starts = [], [], [], []
        num_empty = 0
        for text, span in zip(sentence_texts, sentence_spans):
            try:
                first, end = span
            except (TypeError, ValueError):
                first = end = -1
            if not 0 <= first <= end <= num_clips:
                raise ValueError(
                    f"Video {video_id!r}: clip span {_as_list(span)} is not [first, end) with 0 <= first <= end <= "
                    f"{num_clips} (the number of visual ids)."
                )
            if text:
                text_starts.append(len(texts))
                if first < end:
                    text_video_starts.append(len(texts))
            elif first == end:
                num_empty += 1
                continue
            texts.append(text)
            spans.append((first, end))
        available = (bool(text_starts), bool(visual_ids), bool(text_video_starts))
        regimes = [r for r in (TEXT_ONLY, VIDEO_ONLY, TEXT_VIDEO) if available[r] and self.regime_weights[r] > 0]
        if not regimes:
            return None, num_empty
        return _Row(video_id, visual_ids, texts, spans, text_starts, text_video_starts, regimes), num_empty

    def is_usable(self, row) -> bool:
        """Whether a contract row can give an example (for `dataset.filter`); raises on invalid ids like `__call__`."""
        return self._parse_row(row)[0] is not None

    def _count_skipped(self, features, parsed):
        skipped = [feature["video_id"] for feature, (row, _) in zip(features, parsed) if row is None]
        self.num_skipped_sentences += sum(num_empty for _, num_empty in parsed)
        for video_id in skipped:
            self.num_skipped += 1
            if (self.num_skipped - 1) % self.log_skipped_every == 0:
                logger.warning(
                    f"Skipped video {video_id!r}: none of the enabled regimes (weights {self.regime_weights}) can use "
                    "it (a row with no visual ids only gives text-only examples, one with no text only video-only "
                    f"ones). {self.num_skipped} rows and {self.num_skipped_sentences} empty sentences skipped so far "
                    f"(logged every {self.log_skipped_every} skipped rows)."
                )

    # ---- examples ---------------------------------------------------------------------------------------------

    def _draw_regime(self, row: _Row, u: float) -> int:
        if len(row.regimes) == 1:
            return row.regimes[0]
        weights = [self.regime_weights[r] for r in row.regimes]
        threshold = u * sum(weights)
        for regime, weight in zip(row.regimes, weights):
            threshold -= weight
            if threshold < 0:
                return regime
        return row.regimes[-1]

    def _sentences(self, row: _Row, starts: list[int], draws: list[float]) -> tuple[list[int], int, int]:
        """Text and covering clip span of a random sentence, maybe concatenated with its following neighbours."""
        first = starts[int(draws[_U_SENTENCE] * len(starts))]
        count = 1
        if self.max_concat_sentences > 1 and draws[_U_CONCAT] < self.concat_probability:
            count = 2 + int(draws[_U_CONCAT_LEN] * (self.max_concat_sentences - 1))
        last = min(first + count, len(row.texts))
        text = [token for sentence in row.texts[first:last] for token in sentence]
        spans = [span for span in row.spans[first:last] if span[0] < span[1]]
        start = min(span[0] for span in spans) if spans else 0
        end = max(span[1] for span in spans) if spans else 0
        return text, start, end

    def _subsample(self, clips: list[int], draws: list[float]) -> list[int]:
        """Every `stride`-th clip from a random offset below the stride (never empty for a non-empty input)."""
        stride = 1 + int(draws[_U_STRIDE] * self.max_stride)
        if stride == 1:
            return clips
        offset = int(draws[_U_OFFSET] * min(stride, len(clips)))
        return clips[offset::stride]

    def _other_clips(self, row: _Row, rows: list[_Row], length: int, u_other: float, u_window: float):
        """A window of `length` clips (or the whole video when shorter) of another video of the batch, if any."""
        others = [other for other in rows if other.visual_ids and other.video_id != row.video_id]
        if not others:
            return None
        other = others[int(u_other * len(others))].visual_ids
        start = int(u_window * (len(other) - length + 1)) if len(other) > length else 0
        return other[start : start + length]

    def _swap_codebook(self, row: _Row, rows: list[_Row], clips: list, swap: list[float]) -> tuple[list, int] | None:
        """
        `(clips with one codebook's words those of another video's window (repeated when shorter), that codebook)`,
        if the batch has another video.
        """
        other = self._other_clips(row, rows, len(clips), swap[_S_OTHER], swap[_S_WINDOW])
        if not other:
            return None
        g = self._swappable[int(swap[_S_CODEBOOK] * len(self._swappable))]
        return [[*clip[:g], other[i % len(other)][g], *clip[g + 1 :]] for i, clip in enumerate(clips)], g

    def _build_example(self, row: _Row, rows: list[_Row], draws: list[float]) -> tuple[list[int], list[int], int, Any]:
        """`(input ids, token types, alignment label, (text, clips) of an aligned text-video example else None)`."""
        regime = self._draw_regime(row, draws[_U_REGIME])
        if regime == TEXT_ONLY:
            text, _, _ = self._sentences(row, row.text_starts, draws)
            ids, types = build_videobert_inputs(text, None, self.special, self.max_length)
            return ids, types, -100, None
        if regime == VIDEO_ONLY:
            stride = 1 + int(draws[_U_STRIDE] * self.max_stride)
            window = min(len(row.visual_ids), self.video_only_length * stride)
            start = int(draws[_U_WINDOW] * (len(row.visual_ids) - window + 1))
            clips = self._subsample(row.visual_ids[start : start + window], draws)[: self.video_only_length]
            ids, types = build_videobert_inputs(None, clips, self.special, self.max_length)
            return ids, types, -100, None
        text, start, end = self._sentences(row, row.text_video_starts, draws)
        clips, alignment = row.visual_ids[start:end], 1
        if draws[_U_NEGATIVE] < self.negative_probability:
            negative = self._other_clips(row, rows, len(clips), draws[_U_OTHER], draws[_U_WINDOW])
            if negative is not None:
                clips, alignment = negative, 0
        clips = self._subsample(clips, draws)
        ids, types = build_videobert_inputs(text, clips, self.special, self.max_length)
        return ids, types, alignment, (text, clips) if alignment == 1 else None

    def _swap_codebooks(self, examples: list, rows: list[_Row], generator) -> tuple[list, torch.Tensor]:
        """
        `codebook_swap`: aligned text-video examples (their video not hidden) with one codebook's words swapped; and
        each example's swapped codebook (-1: none).
        """
        swaps = torch.rand((len(examples), _NUM_SWAP_DRAWS), generator=generator, dtype=torch.float64).tolist()
        swapped_examples, swapped_codebooks = [], []
        for (ids, types, alignment, parts), row, swap in zip(examples, rows, swaps):
            g = -1
            if alignment == 1 and swap[_S_APPLY] < self.codebook_swap:
                text, clips = parts
                swapped = self._swap_codebook(row, rows, clips, swap)
                if swapped is not None:
                    clips, g = swapped
                    ids, types = build_videobert_inputs(text, clips, self.special, self.max_length)
                    alignment = -100
            swapped_examples.append((ids, types, alignment, None))
            swapped_codebooks.append(g)
        return swapped_examples, torch.tensor(swapped_codebooks, dtype=torch.long)

    # ---- batch ------------------------------------------------------------------------------------------------

    def torch_call(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        generator = self._get_generator()
        if not features:
            raise ValueError("DataCollatorForVideoBertPretraining got an empty list of rows.")
        parsed = [self._parse_row(feature) for feature in features]
        self._count_skipped(features, parsed)
        rows = [row for row, _ in parsed if row is not None]
        if not rows:
            raise ValueError(
                "Every row of this batch was skipped (no text and no video, or only regimes whose weight is 0): "
                f"video ids {[feature['video_id'] for feature in features]}. Remove such rows from the dataset, e.g. "
                "`dataset.filter(collator.is_usable)`."
            )
        draws = torch.rand((len(rows), _NUM_DRAWS), generator=generator, dtype=torch.float64).tolist()
        examples = [self._build_example(row, rows, row_draws) for row, row_draws in zip(rows, draws)]
        whole_video = None
        if self.whole_video_mask_probability > 0:  # drawn only then, so that 0 keeps the random stream
            drawn = torch.rand(len(examples), generator=generator) < self.whole_video_mask_probability
            whole_video = drawn & torch.tensor([alignment == 1 for _, _, alignment, _ in examples])
            examples = [
                (ids, types, -100 if hidden else alignment, parts)
                for (ids, types, alignment, parts), hidden in zip(examples, whole_video.tolist())
            ]
        swapped = None
        if self.codebook_swap > 0:  # drawn only then, so that 0 keeps the random stream
            examples, swapped = self._swap_codebooks(examples, rows, generator)
        future = None
        if self.future_mask_probability > 0:  # drawn only then, so that 0 keeps the random stream
            drawn = torch.rand(len(examples), generator=generator) < self.future_mask_probability
            future = torch.randint(1, self.max_future_clips + 1, (len(examples),), generator=generator) * drawn
        return self._pad_and_mask(examples, generator, whole_video, future, swapped)

    def _pad_and_mask(
        self, examples, generator, whole_video=None, future=None, swapped=None
    ) -> dict[str, torch.Tensor]:
        batch = pad_videobert_batch(
            [(ids, types) for ids, types, *_ in examples], self.special.pad, self.pad_to_multiple_of
        )
        input_ids, token_type_ids = batch["input_ids"], batch["token_type_ids"]
        attention_mask = batch["attention_mask"].bool()
        batch_size, length = input_ids.shape
        alignment_labels = torch.tensor([alignment for _, _, alignment, *_ in examples], dtype=torch.long)

        is_visual = (input_ids >= self.visual_token_offset) & (token_type_ids == VIDEO_TYPE_ID) & attention_mask
        is_text = (input_ids < self.text_vocab_size) & ~self._is_special[input_ids] & attention_mask
        # whole words: a text token starts a word unless it is a ## piece right after another maskable text token; a
        # clip is one word too (its first codebook's word starts it)
        follows_text = torch.zeros_like(is_text)
        follows_text[:, 1:] = is_text[:, :-1]
        visual_start = is_visual
        if self.num_codebooks > 1:
            codebook = (torch.cumsum(is_visual, dim=1) - 1) % self.num_codebooks
            visual_start = is_visual & (codebook == 0)
        word_start = (is_text & ~(self._is_continuation[input_ids] & follows_text)) | visual_start
        word_index = torch.cumsum(word_start.flatten(), 0).view_as(word_start) - 1
        start_probability = torch.where(is_visual, self.visual_mask_probability, self.mlm_probability)[word_start]
        word_chosen = torch.rand(start_probability.shape, generator=generator) < start_probability
        # positions before a row's first word (specials) read word 0 and are dropped by the and
        chosen = (
            (is_text | is_visual) & word_chosen[word_index.clamp(min=0)]
            if word_chosen.numel()
            else torch.zeros_like(is_text)
        )

        action = torch.rand((batch_size, length), generator=generator)
        to_mask = chosen & (action < 0.8)
        to_random = chosen & (action >= 0.8) & (action < 0.9)
        if self.codebook_dropout > 0:  # these rows: one codebook's words [MASK], not predicted
            dropped_row = torch.rand(batch_size, generator=generator) < self.codebook_dropout
            dropped_codebook = torch.randint(self.num_codebooks, (batch_size,), generator=generator)
            dropped = is_visual & ~chosen & dropped_row[:, None] & (codebook == dropped_codebook[:, None])
            to_mask, to_random = to_mask | dropped, to_random & ~dropped
        if whole_video is not None:  # these rows: every visual token [MASK] and predicted, the text left whole
            rows = whole_video.unsqueeze(1)
            hidden, shown_text = is_visual & rows, is_text & rows
            chosen = (chosen | hidden) & ~shown_text
            to_mask, to_random = (to_mask | hidden) & ~shown_text, to_random & ~hidden & ~shown_text
        if future is not None:  # video-only rows: their last `future` clips [MASK] and predicted
            video_only = sequence_regimes(token_type_ids, attention_mask) == VIDEO_ONLY
            words_after = is_visual.flip(1).cumsum(1).flip(1)  # visual positions from here to the row's end
            tail = is_visual & video_only[:, None] & (words_after <= (future * self.num_codebooks)[:, None])
            chosen, to_mask, to_random = chosen | tail, to_mask | tail, to_random & ~tail
        random_text = self._random_text_ids[
            torch.randint(len(self._random_text_ids), (batch_size, length), generator=generator)
        ]
        if self.num_codebooks == 1:
            random_visual = self.visual_token_offset + torch.randint(
                self.visual_vocab_size, (batch_size, length), generator=generator
            )
        else:  # a word of the position's own codebook
            size = self.visual_vocab_size // self.num_codebooks
            random_visual = self.visual_token_offset + codebook * size
            random_visual = random_visual + torch.randint(size, (batch_size, length), generator=generator)
        predicted = chosen & (alignment_labels != 0).unsqueeze(1)
        if self._named is not None:  # swapped rows: the text words that the swapped codebook names are not predicted
            named = self._named[swapped.clamp(min=0).unsqueeze(1), input_ids] & (swapped >= 0).unsqueeze(1)
            predicted = predicted & ~(named & is_text)
        labels = torch.where(predicted, input_ids, -100)
        masked_ids = torch.where(to_mask, self.special.mask, input_ids)
        masked_ids = torch.where(to_random & is_text, random_text, masked_ids)
        masked_ids = torch.where(to_random & is_visual, random_visual, masked_ids)
        return {
            "input_ids": masked_ids,
            "token_type_ids": token_type_ids,
            "attention_mask": attention_mask.long(),
            "labels": labels,
            "alignment_labels": alignment_labels,
        }


def _binary_entropy(p: torch.Tensor) -> torch.Tensor:
    return -(torch.special.xlogy(p, p) + torch.special.xlogy(1 - p, 1 - p))


def words_named_by_codebook(
    collator: DataCollatorForVideoBertPretraining, rows, min_count: int = 5, show_progress: bool = True
) -> tuple[tuple[tuple[int, ...], ...], torch.Tensor]:
    """
    The text words that each codebook names, for `DataCollatorForVideoBertPretraining(codebook_named_words=...)`:
    measured on `rows` (contract rows, e.g. the training dataset), without labels.

    Each clip of each sentence's span (text and a non-empty span) is one sample: whether the sentence holds text id t,
    beside the clip's word of codebook g. The information that codebook g's word gives about t's presence, as a share
    of its entropy (the uncertainty coefficient `I(t; word_g) / H(t)`, the plug-in estimate less the Miller-Madow bias
    `(words of g seen - 1) / 2n`, which a codebook of many words would otherwise win with chance co-occurrences), is
    `information[g, t]`. A word seen in at least `min_count` samples is named by the codebook that tells most of it,
    where that is positive. Words that no video tells of (the sentences' template words) then fall to either codebook
    by noise, which is harmless: a swapped example only leaves them out of its loss.

    Returns `(named, information)`: a tuple per codebook of the text ids it names, and the `[G, text vocabulary]`
    float64 coefficients (0 for unseen words). Rows are validated as by the collator (a `ValueError` names the video).
    """
    from tqdm.auto import tqdm

    groups = collator.num_codebooks
    if groups < 2:
        raise ValueError(f"words_named_by_codebook compares several codebooks: num_codebooks={groups}.")
    size, vocab = collator.visual_vocab_size // groups, collator.text_vocab_size
    occurrences = torch.zeros(vocab, dtype=torch.float64)  # samples whose sentence holds each text id
    word_counts = torch.zeros((groups, size), dtype=torch.float64)
    pair_keys = [torch.zeros(0, dtype=torch.long) for _ in range(groups)]  # text id * size + word, and their counts
    pair_counts = [torch.zeros(0, dtype=torch.float64) for _ in range(groups)]
    pending, pending_size = [[] for _ in range(groups)], 0

    def merge():
        for g in range(groups):
            keys = torch.cat([pair_keys[g], *pending[g]])
            counts = torch.cat([pair_counts[g], torch.ones(len(keys) - len(pair_counts[g]), dtype=torch.float64)])
            pair_keys[g], inverse = torch.unique(keys, return_inverse=True)
            pair_counts[g] = torch.zeros(len(pair_keys[g]), dtype=torch.float64).index_add_(0, inverse, counts)
            pending[g].clear()

    samples = 0
    for feature in tqdm(rows, desc="Text words named by each codebook", disable=not show_progress):
        row, _ = collator._parse_row(feature)
        if row is None:
            continue
        for i in row.text_video_starts:
            first, end = row.spans[i]
            tokens = torch.tensor(sorted(set(row.texts[i])), dtype=torch.long)
            clips = torch.tensor(row.visual_ids[first:end], dtype=torch.long).view(-1, groups)
            samples += len(clips)
            occurrences[tokens] += len(clips)
            for g in range(groups):
                words = clips[:, g] - g * size
                word_counts[g].index_add_(0, words, torch.ones(len(words), dtype=torch.float64))
                pending[g].append((tokens[:, None] * size + words[None, :]).flatten())
            pending_size += len(tokens) * len(clips)
        if pending_size > 1 << 22:
            merge()
            pending_size = 0
    merge()
    information = torch.zeros((groups, vocab), dtype=torch.float64)
    if samples == 0:
        return tuple(() for _ in range(groups)), information
    entropy = _binary_entropy(occurrences / samples)
    for g in range(groups):
        tokens, words = pair_keys[g] // size, pair_keys[g] % size
        seen = word_counts[g][words]
        conditional = torch.zeros(vocab, dtype=torch.float64).index_add_(
            0, tokens, seen / samples * _binary_entropy(pair_counts[g] / seen)
        )
        bias = (int((word_counts[g] > 0).sum()) - 1) / (2 * samples)
        information[g] = torch.where(entropy > 0, (entropy - conditional - bias) / entropy.clamp(min=1e-300), 0.0)
    best, namer = information.max(0)
    named = (occurrences >= min_count) & (best > 0)
    return tuple(tuple(torch.nonzero(named & (namer == g)).flatten().tolist()) for g in range(groups)), information


__all__ = ["DataCollatorForVideoBertPretraining", "words_named_by_codebook"]
