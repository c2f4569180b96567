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
"""
Visual tokens predicted with the fill-mask head: text-to-video (`[CLS] sentence [>] [MASK] x n [SEP]`) and
forecasting (`[CLS] v1 .. vt [MASK] x h [SEP]`), one sequence or many in batches.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from ..processing_videobert import (
    build_videobert_inputs,
    clip_words,
    num_special_tokens,
    pad_videobert_batch,
    part_positions,
)
from .common import vocabulary_logits


@dataclass
class VisualTokenPredictions:
    """
    Visual tokens predicted at consecutive masked positions: `ids[p]` are codebook ids best first and `probs[p]` their
    probabilities within the visual vocabulary (`[positions, top_k]` each). With `num_codebooks` G > 1 the positions
    are the words of the predicted clips (G per clip, in codebook order), each ranked within its own codebook.
    """

    ids: torch.LongTensor
    probs: torch.FloatTensor
    num_codebooks: int = 1

    @property
    def tokens(self) -> list[int]:
        """The most likely visual token of each position."""
        return self.ids[:, 0].tolist()

    @property
    def clips(self) -> list[list[int]]:
        """The most likely words of each predicted clip, `[num_codebooks]` per clip."""
        tokens, groups = self.tokens, self.num_codebooks
        return [tokens[i : i + groups] for i in range(0, len(tokens), groups)]


DECODING_MODES = ("parallel", "left_to_right")


def _masked_sequence(text_ids, prefix, num_masks: int, special, max_positions: int, name: str = "The sequence"):
    """
    `[CLS] text [>] prefix [MASK] x n [SEP]` (video-only without text), its segments and the masked positions. With
    `special.num_codebooks` G > 1, `prefix` is whole clips and `num_masks` counts clips: G `[MASK]`s each.
    """
    groups = special.num_codebooks
    text_ids, prefix = list(text_ids or []), clip_words(prefix, special)
    filler = [g * (special.visual_vocab_size // groups) for g in range(groups)] * num_masks  # one word per codebook
    ids, types = build_videobert_inputs(text_ids, prefix + filler, special)
    if len(ids) > max_positions:
        raise ValueError(
            f"{name} would hold {len(ids)} positions but the model allows max_position_embeddings={max_positions}: "
            "use a shorter text or fewer positions."
        )
    _, video = part_positions(len(text_ids), len(prefix) + len(filler))
    masked = range(video.stop - len(filler), video.stop)
    ids[masked.start : masked.stop] = [special.mask] * len(filler)
    return ids, types, masked


def _visual_probs(logits: torch.Tensor, special) -> torch.Tensor:
    """
    Probabilities `[positions, visual_vocab_size]` of consecutive masked clip words from their visual logits: within
    the whole visual vocabulary with one codebook, else word `p` within codebook `p % num_codebooks` (0 elsewhere).
    """
    logits = logits.float()
    groups = special.num_codebooks
    if groups > 1:
        size = special.visual_vocab_size // groups
        codebook = torch.arange(logits.shape[0], device=logits.device) % groups
        allowed = torch.arange(logits.shape[1], device=logits.device)[None, :] // size == codebook[:, None]
        logits = logits.masked_fill(~allowed, float("-inf"))
    return logits.softmax(dim=-1)


@torch.no_grad()
def predict_masked_visual_tokens(
    model,
    processor,
    text_ids: Sequence[int] | None,
    prefix: Sequence[int] | None,
    num_masks: int,
    top_k: int = 5,
    decoding: str = "parallel",
) -> VisualTokenPredictions:
    """
    Fills `num_masks` visual `[MASK]`s at the end of `[CLS] text [>] prefix [MASK] x n [SEP]` (or the video-only
    `[CLS] prefix [MASK] x n [SEP]` without text), scoring only the visual part of the vocabulary.

    decoding: `"parallel"` reads every position's distribution from one forward pass (each position's
    `argmax_k p(x_t = k | context)`, the paper's text-to-video); `"left_to_right"` fills the positions one at a time,
    earliest first, each conditioned on the tokens already chosen (one forward pass per position).

    With several codebooks `num_masks` counts clips, each `num_codebooks` masked words (see `VisualTokenPredictions`).
    """
    if decoding not in DECODING_MODES:
        raise ValueError(f"decoding must be one of {DECODING_MODES}, got {decoding!r}.")
    if num_masks < 1:
        raise ValueError(f"There must be at least one position to predict, got {num_masks}.")
    if decoding == "parallel":
        return predict_masked_visual_tokens_batch(model, processor, [(text_ids, prefix, num_masks)], top_k)[0]
    special = processor.special_ids
    ids, types, masked = _masked_sequence(text_ids, prefix, num_masks, special, model.config.max_position_embeddings)
    inputs = pad_videobert_batch([(ids, types)], special.pad, device=next(model.parameters()).device)
    visual = slice(special.visual_token_offset, special.visual_token_offset + special.visual_vocab_size)
    top_k = min(top_k, special.visual_vocab_size // special.num_codebooks)
    model.eval()
    chosen_ids, chosen_probs = [], []
    for position in masked:
        # the position's own codebook: the rows before it in `masked` fix its place in the clip
        logits = vocabulary_logits(model(**inputs))[0, masked.start : position + 1, visual]
        top = _visual_probs(logits, special)[-1].topk(top_k)
        inputs["input_ids"][0, position] = top.indices[0] + special.visual_token_offset
        chosen_ids.append(top.indices.cpu())
        chosen_probs.append(top.values.cpu())
    return VisualTokenPredictions(
        ids=torch.stack(chosen_ids), probs=torch.stack(chosen_probs), num_codebooks=special.num_codebooks
    )


@torch.no_grad()
def predict_masked_visual_tokens_batch(
    model, processor, requests, top_k: int = 5, batch_size: int = 32, desc: str = "", show_progress: bool = False
) -> list[VisualTokenPredictions]:
    """
    Parallel decoding of many `(text_ids or None, prefix, num_masks)` requests, `batch_size` sequences per forward
    pass: each one's `[CLS] text [>] prefix [MASK] x n [SEP]` (or video-only) top `top_k` visual tokens per masked
    position, as `predict_masked_visual_tokens(..., decoding="parallel")` gives them one at a time.
    """
    special = processor.special_ids
    visual = slice(special.visual_token_offset, special.visual_token_offset + special.visual_vocab_size)
    top_k = min(top_k, special.visual_vocab_size // special.num_codebooks)
    device = next(model.parameters()).device
    model.eval()
    results = []
    for start in tqdm(range(0, len(requests), batch_size), desc=desc, disable=not show_progress):
        sequences, masked = [], []
        for index, (text_ids, prefix, num_masks) in enumerate(requests[start : start + batch_size], start):
            ids, types, positions = _masked_sequence(
                text_ids, prefix, num_masks, special, model.config.max_position_embeddings, f"Sequence {index}"
            )
            sequences.append((ids, types))
            masked.append(positions)
        logits = vocabulary_logits(model(**pad_videobert_batch(sequences, special.pad, device=device)))
        for row, positions in enumerate(masked):
            top = _visual_probs(logits[row, positions.start : positions.stop, visual], special).topk(top_k, dim=-1)
            results.append(
                VisualTokenPredictions(
                    ids=top.indices.cpu(), probs=top.values.cpu(), num_codebooks=special.num_codebooks
                )
            )
    return results


def text_to_video(
    model, processor, sentence: str, num_tokens: int = 8, top_k: int = 5, decoding: str = "parallel"
) -> VisualTokenPredictions:
    """
    The visual tokens a sentence predicts: `[CLS] sentence [>] [MASK] x num_tokens [SEP]`, the most likely visual
    token per position (`argmax_k p(x_t = k | sentence)` over the visual vocabulary); see
    `predict_masked_visual_tokens` for `decoding`. `model`: `VideoBertForMaskedLM` or `VideoBertForPreTraining`.
    """
    if not isinstance(sentence, str) or not sentence.strip():
        raise ValueError("text_to_video needs a non-empty sentence.")
    text_ids = processor.tokenizer(sentence, add_special_tokens=False)["input_ids"]
    return predict_masked_visual_tokens(model, processor, text_ids, None, num_tokens, top_k, decoding)


def forecast_visual_tokens(
    model, processor, prefix: Sequence[int], horizon: int = 4, top_k: int = 5, decoding: str = "parallel"
) -> VisualTokenPredictions:
    """
    Forecasting from a video prefix (codebook ids): the video-only sequence `[CLS] v1 .. vt [MASK] x horizon [SEP]`;
    row `h - 1` of the result holds the likely tokens `h` steps ahead. A prefix too long for the model keeps its
    most recent tokens. See `predict_masked_visual_tokens` for `decoding`. With several codebooks the prefix is whole
    clips (see `clip_words`), `horizon` counts clips and rows `G * (h - 1) ... G * h - 1` hold clip `h`'s words.
    """
    special = processor.special_ids
    groups = special.num_codebooks
    prefix = clip_words(prefix, special)
    if not prefix:
        raise ValueError("Forecasting needs at least one observed visual token.")
    room = (model.config.max_position_embeddings - num_special_tokens(False, True)) // groups - horizon
    if room < 1:
        raise ValueError(f"horizon={horizon} leaves no room for the prefix in the model's positions.")
    prefix = prefix[-room * groups :]
    return predict_masked_visual_tokens(model, processor, None, prefix, horizon, top_k, decoding)


__all__ = [
    "DECODING_MODES",
    "VisualTokenPredictions",
    "forecast_visual_tokens",
    "predict_masked_visual_tokens",
    "predict_masked_visual_tokens_batch",
    "text_to_video",
]
