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
"""Video summarization: a long video as a timestamped list of captioned steps (`VideoBertForConditionalGeneration`)."""

import difflib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch

from ..processing_videobert import build_videobert_inputs, first_clips, num_special_tokens, pad_videobert_batch


def normalize_caption(text: str) -> str:
    """Lower-case, drop punctuation and WordPiece joins, collapse spaces (the comparison the metrics see)."""
    text = text.lower().replace(" ##", "")
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(text.split())


@dataclass
class SummaryStep:
    """One step of a video summary: its time span in seconds, its clip span (end exclusive) and its caption."""

    start: float
    end: float
    caption: str
    first_clip: int
    end_clip: int

    def to_dict(self) -> dict:
        return asdict(self)


def segment_clips(
    num_clips: int, clip_spans: Sequence[Sequence[int]] | None = None, window: int = 16
) -> list[tuple[int, int]]:
    """
    Segments of a video, as `(first_clip, end_clip)` spans: the transcript's sentence spans when there are any (sorted,
    empty spans dropped), otherwise consecutive fixed windows of `window` clips (the paper's 16 tokens per segment
    without ASR); the last window may be shorter. A video with fewer clips than `window` is one segment of all its
    clips; a video with no clip has no segment.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1 clip, got {window}.")
    spans = sorted({(int(a), int(b)) for a, b in (clip_spans or []) if 0 <= a < b <= num_clips})
    if spans:
        return spans
    return [(start, min(start + window, num_clips)) for start in range(0, num_clips, window)]


def merge_duplicate_steps(steps: Sequence[SummaryStep], threshold: float = 0.8) -> list[SummaryStep]:
    """
    Merges consecutive steps whose captions are near-duplicates (`difflib` similarity of the normalised captions
    >= `threshold`; 1.0 merges exact repeats only): the merged step spans both and keeps the first caption.
    """
    merged: list[SummaryStep] = []
    for step in steps:
        if merged:
            previous = merged[-1]
            similarity = difflib.SequenceMatcher(
                None, normalize_caption(previous.caption), normalize_caption(step.caption)
            ).ratio()
            if similarity >= threshold:
                merged[-1] = SummaryStep(
                    previous.start, max(previous.end, step.end), previous.caption, previous.first_clip, step.end_clip
                )
                continue
        merged.append(SummaryStep(**step.to_dict()))
    return merged


@torch.no_grad()
def summarize_video(
    model,
    processor,
    visual_ids: Sequence[int],
    clip_times: Sequence[Sequence[float]],
    sentence_clip_spans: Sequence[Sequence[int]] | None = None,
    window: int = 16,
    merge_threshold: float = 0.8,
    batch_size: int = 16,
    **generate_kwargs,
) -> list[SummaryStep]:
    """
    Summarizes a long video as a timestamped list of steps: segments its visual tokens (the transcript's sentence
    spans when given and non-empty, else fixed windows of `window` clips, see `segment_clips`), captions each segment
    with `model.generate` ([`VideoBertForConditionalGeneration`]) and merges consecutive near-duplicate steps
    (`merge_duplicate_steps`). An empty transcript falls back to fixed windows; a video with fewer clips than `window`
    gives one step; a video with no clip gives no step.

    Args:
        model: a [`VideoBertForConditionalGeneration`].
        processor: the model's `VideoBertProcessor` (builds the encoder's `[CLS] v1 ... vn [SEP]` inputs, decodes the
            captions).
        visual_ids: the video's visual tokens (codebook ids, one per clip).
        clip_times: `(start, end)` seconds of each clip.
        sentence_clip_spans: `(first_clip, end_clip)` of each transcript sentence (`align_sentences_to_clips`).
        generate_kwargs: passed to `generate` (e.g. `num_beams`, `max_new_tokens`).
    """
    if len(visual_ids) != len(clip_times):
        raise ValueError(f"visual_ids has {len(visual_ids)} clips but clip_times has {len(clip_times)}.")
    spans = segment_clips(len(visual_ids), sentence_clip_spans, window)
    special = processor.special_ids
    # a segment longer than the encoder allows keeps its first clips
    keep = model.config.max_position_embeddings - num_special_tokens(False, True)
    steps = []
    for start in range(0, len(spans), batch_size):
        chunk = spans[start : start + batch_size]
        sequences = [
            build_videobert_inputs(None, first_clips(visual_ids[a:b], special, keep), special) for a, b in chunk
        ]
        batch = pad_videobert_batch(sequences, special.pad, device=model.device)
        generated = model.generate(**batch, **generate_kwargs)
        captions = processor.tokenizer.batch_decode(generated, skip_special_tokens=True)
        for (a, b), caption in zip(chunk, captions):
            steps.append(SummaryStep(float(clip_times[a][0]), float(clip_times[b - 1][1]), caption.strip(), a, b))
    return merge_duplicate_steps(steps, merge_threshold)


__all__ = [
    "SummaryStep",
    "merge_duplicate_steps",
    "normalize_caption",
    "segment_clips",
    "summarize_video",
]
