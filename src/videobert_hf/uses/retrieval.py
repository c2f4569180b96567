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
"""Video-text retrieval through the linguistic-visual alignment head: P(aligned) of (sentence, video) pairs, and rankings."""

from collections.abc import Sequence

import torch
from tqdm.auto import tqdm

from ..processing_videobert import build_videobert_inputs, pad_videobert_batch


def alignment_probabilities(outputs) -> torch.Tensor:
    """P(aligned) `softmax(logits)[:, 1]` of a `VideoBertForVideoTextAlignment` or `VideoBertForPreTraining` output."""
    logits = getattr(outputs, "alignment_logits", None)
    if logits is None:
        logits = getattr(outputs, "logits", None)
    if logits is None or logits.ndim != 2 or logits.shape[-1] != 2:
        raise ValueError(
            "The model gives no alignment logits: use VideoBertForVideoTextAlignment or VideoBertForPreTraining."
        )
    return logits.float().softmax(dim=-1)[:, 1]


@torch.no_grad()
def alignment_scores(
    model,
    processor,
    texts: Sequence[str] | Sequence[Sequence[int]],
    videos: Sequence[Sequence[int]],
    batch_size: int = 64,
    max_length: int | None = None,
    show_progress: bool = True,
) -> torch.FloatTensor:
    """
    Alignment probability `softmax(logits)[:, 1]` of every (sentence, video) pair, as a `[len(texts), len(videos)]`
    matrix: the scores of retrieval in both directions.

    Each sentence is tokenized once and each video's visual tokens are given once (compute them with the visual
    tokenizer beforehand: the clip encoder never runs here). The pairs `[CLS] sentence [>] video [SEP]` go through
    the model `batch_size` at a time, in row-major order, without materialising the whole grid; a pair longer than
    `max_length` (default: the model's `max_position_embeddings`) is cut longest part first.

    Args:
        model: a `VideoBertForVideoTextAlignment` or `VideoBertForPreTraining`.
        processor: the `VideoBertProcessor` of the model.
        texts: sentences, or their WordPiece ids (without special tokens).
        videos: visual token ids (codebook ids) of each video or segment; none may be empty.
    """
    if not len(texts) or not len(videos):
        raise ValueError(f"Nothing to score: {len(texts)} sentences and {len(videos)} videos.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    text_ids = []
    for index, text in enumerate(texts):
        if isinstance(text, str):
            if not text.strip():
                raise ValueError(f"Sentence {index} is empty.")
            text = processor.encode_sentences([text])[0]
        text_ids.append(list(text))
        if not text_ids[-1]:
            raise ValueError(f"Sentence {index} has no WordPiece token.")
    empty = [index for index, ids in enumerate(videos) if not len(ids)]
    if empty:
        raise ValueError(f"Videos {empty} have no visual token (shorter than one clip?); drop them before scoring.")
    special = processor.special_ids
    max_length = max_length or model.config.max_position_embeddings
    device = next(model.parameters()).device
    model.eval()

    num_videos = len(videos)
    num_pairs = len(text_ids) * num_videos
    scores = torch.empty(num_pairs)
    starts = range(0, num_pairs, batch_size)
    for start in tqdm(starts, desc="alignment scores", disable=not show_progress):
        pairs = range(start, min(start + batch_size, num_pairs))
        sequences = [
            build_videobert_inputs(text_ids[pair // num_videos], videos[pair % num_videos], special, max_length)
            for pair in pairs
        ]
        outputs = model(**pad_videobert_batch(sequences, special.pad, device=device))
        scores[start : start + len(sequences)] = alignment_probabilities(outputs).cpu()
    return scores.view(len(text_ids), num_videos)


def rank_videos(model, processor, sentence: str, videos: Sequence[Sequence[int]], **kwargs) -> list[tuple[int, float]]:
    """Videos (visual token ids) ranked for one sentence: `(video index, P(aligned))`, best first."""
    scores = alignment_scores(model, processor, [sentence], videos, **kwargs)[0]
    order = scores.argsort(descending=True, stable=True)
    return [(int(i), float(scores[i])) for i in order]


def rank_sentences(
    model, processor, video: Sequence[int], sentences: Sequence[str], **kwargs
) -> list[tuple[int, float]]:
    """Sentences ranked for one video (visual token ids): `(sentence index, P(aligned))`, best first."""
    scores = alignment_scores(model, processor, sentences, [video], **kwargs)[:, 0]
    order = scores.argsort(descending=True, stable=True)
    return [(int(i), float(scores[i])) for i in order]


__all__ = [
    "alignment_probabilities",
    "alignment_scores",
    "rank_sentences",
    "rank_videos",
]
