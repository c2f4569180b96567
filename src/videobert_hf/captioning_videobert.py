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
"""Video captioning helpers: the COCO caption metrics and video summarization (a timestamped list of steps)."""

import difflib
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch

from .configuration_videobert import TEXT_TYPE_ID, VIDEO_TYPE_ID


# Caption metric names, in the order of the paper's YouCook II table (BLEU-3, BLEU-4, METEOR, ROUGE-L, CIDEr).
CAPTION_METRICS = ("bleu_3", "bleu_4", "meteor", "rouge_l", "cider")


def normalize_caption(text: str) -> str:
    """Lower-case, drop punctuation and WordPiece joins, collapse spaces (the comparison the metrics see)."""
    text = text.lower().replace(" ##", "")
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(text.split())


def caption_metrics(
    predictions: Sequence[str], references: Sequence[str | Sequence[str]], meteor: bool = True
) -> dict[str, float]:
    """
    BLEU-1..4, METEOR, ROUGE-L and CIDEr of generated captions against references, with the standard COCO caption
    evaluation code (`pycocoevalcap`: `Bleu`, `Meteor`, `Rouge`, `Cider`), as the captioning papers report them.

    Captions are normalised with `normalize_caption` instead of the Java PTB tokenizer (the same lower-casing and
    punctuation removal, without the Java start-up). Scores are fractions in [0, 1] (the paper prints BLEU, METEOR and
    ROUGE-L times 100), except CIDEr, whose scale is its own (0.55 in the paper's YouCook II row). CIDEr's document
    frequencies come from the references passed here, so it is only meaningful on a corpus of several videos.

    Args:
        predictions: one generated caption per example.
        references: for each example, one reference caption or a list of them.
        meteor: compute METEOR (starts the METEOR 1.5 Java jar shipped with `pycocoevalcap`; needs `java` on PATH).

    Returns:
        `{"bleu_1", "bleu_2", "bleu_3", "bleu_4", "rouge_l", "cider"}` and `"meteor"` when asked.
    """
    try:
        from pycocoevalcap.bleu.bleu import Bleu
        from pycocoevalcap.cider.cider import Cider
        from pycocoevalcap.rouge.rouge import Rouge
    except ImportError as error:
        raise ImportError(
            "caption_metrics needs the COCO caption evaluation code: `pip install pycocoevalcap` "
            "(or `pip install videobert_hf[captioning]`)."
        ) from error
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references: one each per example.")
    if not predictions:
        raise ValueError("caption_metrics needs at least one prediction.")
    res, gts = {}, {}
    for i, (prediction, reference) in enumerate(zip(predictions, references)):
        reference = [reference] if isinstance(reference, str) else list(reference)
        if not reference:
            raise ValueError(f"example {i} has no reference caption.")
        # an empty caption would make BLEU's counters divide by zero: it scores like a caption of one unknown word
        res[i] = [normalize_caption(prediction) or "<empty>"]
        gts[i] = [normalize_caption(r) or "<empty>" for r in reference]
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    scores = {f"bleu_{n + 1}": float(bleu[n]) for n in range(4)}
    scores["rouge_l"] = float(Rouge().compute_score(gts, res)[0])
    scores["cider"] = float(Cider().compute_score(gts, res)[0])
    if meteor:
        from pycocoevalcap.meteor.meteor import Meteor

        scorer = Meteor()
        try:
            scores["meteor"] = float(scorer.compute_score(gts, res)[0])
        finally:
            del scorer  # its __del__ stops the Java process
    return scores


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


def video_only_batch(segments: Sequence[Sequence[int]], config, cls_token_id: int, sep_token_id: int) -> dict:
    """
    Encoder inputs for a batch of video segments (codebook ids): `[CLS] v1 ... vn [SEP]`, segment 0 on `[CLS]` and 1
    on the rest, right-padded with `config.pad_token_id`; longer segments keep their first
    `max_position_embeddings - 2` clips.
    """
    keep = config.max_position_embeddings - 2
    rows = [[cls_token_id, *(int(v) + config.visual_token_offset for v in s[:keep]), sep_token_id] for s in segments]
    length = max(len(row) for row in rows)
    input_ids = torch.full((len(rows), length), config.pad_token_id, dtype=torch.long)
    token_type_ids = torch.full((len(rows), length), TEXT_TYPE_ID, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), length), dtype=torch.long)
    for i, row in enumerate(rows):
        input_ids[i, : len(row)] = torch.tensor(row)
        token_type_ids[i, 1 : len(row)] = VIDEO_TYPE_ID
        attention_mask[i, : len(row)] = 1
    return {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask}


@torch.no_grad()
def summarize_video(
    model,
    tokenizer,
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
        tokenizer: the text tokenizer, to decode the captions (its `[CLS]` / `[SEP]` build the encoder inputs).
        visual_ids: the video's visual tokens (codebook ids, one per clip).
        clip_times: `(start, end)` seconds of each clip.
        sentence_clip_spans: `(first_clip, end_clip)` of each transcript sentence (`align_sentences_to_clips`).
        generate_kwargs: passed to `generate` (e.g. `num_beams`, `max_new_tokens`).
    """
    if len(visual_ids) != len(clip_times):
        raise ValueError(f"visual_ids has {len(visual_ids)} clips but clip_times has {len(clip_times)}.")
    spans = segment_clips(len(visual_ids), sentence_clip_spans, window)
    steps = []
    device = model.device
    for start in range(0, len(spans), batch_size):
        chunk = spans[start : start + batch_size]
        batch = video_only_batch(
            [visual_ids[a:b] for a, b in chunk], model.config, tokenizer.cls_token_id, tokenizer.sep_token_id
        )
        generated = model.generate(**{k: v.to(device) for k, v in batch.items()}, **generate_kwargs)
        captions = tokenizer.batch_decode(generated, skip_special_tokens=True)
        for (a, b), caption in zip(chunk, captions):
            steps.append(SummaryStep(float(clip_times[a][0]), float(clip_times[b - 1][1]), caption.strip(), a, b))
    return merge_duplicate_steps(steps, merge_threshold)


__all__ = [
    "CAPTION_METRICS",
    "SummaryStep",
    "caption_metrics",
    "merge_duplicate_steps",
    "normalize_caption",
    "segment_clips",
    "summarize_video",
    "video_only_batch",
]
