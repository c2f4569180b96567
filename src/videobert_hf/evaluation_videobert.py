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
The uses of a pretrained VideoBERT: zero-shot action classification (the paper's template protocol), video-text
retrieval through the alignment head, text-to-video and forecasting of visual tokens with the fill-mask head.
"""

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm
from transformers.utils import logging

from .processing_videobert import build_videobert_inputs


logger = logging.get_logger(__name__)

PAPER_TEMPLATE = "now let me show you how to [MASK] the [MASK]"


@dataclass
class ZeroShotPredictions:
    """Ranked label indices for each segment: `verbs[i]` / `nouns[i]` are the top-k indices into the label lists."""

    verbs: torch.LongTensor
    nouns: torch.LongTensor

    def accuracy(self, verb_labels: Sequence[int], noun_labels: Sequence[int], k: int) -> dict[str, float]:
        """Top-k accuracy of verbs and nouns (fractions in [0, 1])."""
        return {
            f"verb_top{k}": topk_accuracy(self.verbs, verb_labels, k),
            f"noun_top{k}": topk_accuracy(self.nouns, noun_labels, k),
        }


def topk_accuracy(ranked: torch.LongTensor, labels: Sequence[int], k: int) -> float:
    """Fraction of rows of `ranked` (label indices, best first) whose first `k` entries hold the row's label."""
    labels = torch.as_tensor(list(labels), dtype=torch.long)
    if ranked.shape[0] != labels.shape[0]:
        raise ValueError(f"{ranked.shape[0]} predictions for {labels.shape[0]} labels.")
    if not len(labels):
        raise ValueError("No labels to score.")
    return (ranked[:, :k] == labels[:, None]).any(dim=1).float().mean().item()


def template_mask_positions(tokenizer, template: str) -> tuple[list[int], list[int]]:
    """WordPiece ids of a zero-shot template and the indices of its two `[MASK]`s (an error for any other count)."""
    template_ids = tokenizer(template, add_special_tokens=False)["input_ids"]
    mask_positions = [i for i, token in enumerate(template_ids) if token == tokenizer.mask_token_id]
    if len(mask_positions) != 2:
        raise ValueError(
            f"The template must hold exactly two [MASK] tokens (verb, noun); {template!r} has {len(mask_positions)}."
        )
    return template_ids, mask_positions


def pad_sequences(sequences, pad_id: int, device=None) -> dict[str, torch.Tensor]:
    """Pads `(input_ids, token_type_ids)` pairs on the right into `input_ids`, `token_type_ids`, `attention_mask`."""
    longest = max(len(ids) for ids, _ in sequences)
    input_ids = torch.full((len(sequences), longest), pad_id)
    token_type_ids = torch.zeros_like(input_ids)
    attention_mask = torch.zeros_like(input_ids)
    for row, (ids, types) in enumerate(sequences):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        token_type_ids[row, : len(ids)] = torch.tensor(types)
        attention_mask[row, : len(ids)] = 1
    batch = {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask}
    return {name: tensor.to(device) for name, tensor in batch.items()} if device is not None else batch


def vocabulary_logits(outputs) -> torch.Tensor:
    """Joint-vocabulary logits of a `VideoBertForMaskedLM` (`logits`) or `VideoBertForPreTraining` output."""
    logits = getattr(outputs, "logits", None)
    if logits is None:
        logits = getattr(outputs, "prediction_logits", None)
    if logits is None or logits.ndim != 3:
        raise ValueError("The model gives no vocabulary logits: use VideoBertForMaskedLM or VideoBertForPreTraining.")
    return logits


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


def single_token_ids(tokenizer, words: Sequence[str], name: str) -> list[int]:
    """WordPiece id of each word; a clear error for a duplicate or for a word that is not one vocabulary token."""
    if not words:
        raise ValueError(f"The {name} list is empty.")
    if len(set(words)) != len(words):
        duplicates = sorted({w for w in words if list(words).count(w) > 1})
        raise ValueError(f"The {name} list repeats {duplicates}.")
    ids = []
    for word in words:
        pieces = tokenizer(word, add_special_tokens=False)["input_ids"]
        if len(pieces) != 1:
            raise ValueError(
                f"{name} {word!r} is {len(pieces)} WordPiece tokens ({tokenizer.convert_ids_to_tokens(pieces)}); the "
                "fill-mask protocol scores single-token labels."
            )
        ids.append(pieces[0])
    return ids


@torch.no_grad()
def zero_shot_action_classification(
    model,
    processor,
    segments: Sequence[Sequence[int] | None],
    verbs: Sequence[str],
    nouns: Sequence[str],
    template: str = PAPER_TEMPLATE,
    top_k: int = 5,
    batch_size: int = 32,
    max_length: int | None = None,
    show_progress: bool = True,
) -> ZeroShotPredictions:
    """
    The paper's zero-shot protocol: for each video segment (its visual token ids), fill
    `[CLS] <template> [>] <video> [SEP]` and read the verb from the template's first `[MASK]` and the noun from the
    second, ranking only the given verbs and nouns. A segment of `None` (or `[]`) is scored without video — the
    text-only "language prior".

    Args:
        model: a `VideoBertForMaskedLM` or `VideoBertForPreTraining` (anything whose output holds vocabulary logits).
        processor: the `VideoBertProcessor` of the model.
        segments: visual token ids (codebook ids) of each segment.
        verbs, nouns: candidate labels, each a single WordPiece token.
        template: text with exactly two `[MASK]`s, the verb's first.
    """
    tokenizer = processor.tokenizer
    template_ids, mask_positions = template_mask_positions(tokenizer, template)
    verb_ids = torch.tensor(single_token_ids(tokenizer, verbs, "verb"))
    noun_ids = torch.tensor(single_token_ids(tokenizer, nouns, "noun"))
    top_k = min(top_k, len(verbs), len(nouns))
    special = processor.special_ids
    max_length = max_length or model.config.max_position_embeddings
    video_budget = max_length - len(template_ids) - 3
    if video_budget < 1:
        raise ValueError(f"max_length={max_length} leaves no room for video after the template.")
    device = next(model.parameters()).device
    model.eval()

    ranked_verbs, ranked_nouns = [], []
    starts = range(0, len(segments), batch_size)
    for start in tqdm(starts, desc="zero-shot classification", disable=not show_progress):
        batch = segments[start : start + batch_size]
        # long segments lose their last clips; the template is never truncated, so the [MASK] positions hold
        sequences = [build_videobert_inputs(template_ids, list(s or [])[:video_budget], special) for s in batch]
        logits = vocabulary_logits(model(**pad_sequences(sequences, special.pad, device)))
        # position 0 is [CLS]: template token i sits at position i + 1
        verb_logits = logits[:, mask_positions[0] + 1, :].float().cpu()[:, verb_ids]
        noun_logits = logits[:, mask_positions[1] + 1, :].float().cpu()[:, noun_ids]
        ranked_verbs.append(verb_logits.topk(top_k, dim=-1).indices)
        ranked_nouns.append(noun_logits.topk(top_k, dim=-1).indices)
    return ZeroShotPredictions(verbs=torch.cat(ranked_verbs), nouns=torch.cat(ranked_nouns))


def labelled_segments(dataset, annotations, label_keys=("verb", "noun")):
    """
    The visual tokens of every annotated segment of a tokenized split, with its labels.

    Args:
        dataset: rows of `examples/tokenize_videos.py` (`video_id`, `visual_ids`, `clip_times`).
        annotations: `{video_id: [TimedSentence]}` (e.g. `read_youcook2`), each carrying the `label_keys` in `extra`.

    Returns a list of `(video_id, visual_ids, {key: label})`; a segment gets the clips whose midpoint lies inside it
    (or the nearest clip, see `align_sentences_to_clips`). Videos missing from the dataset are skipped.
    """
    segments = []
    for video_id, visual_ids, sentence in annotated_segments(dataset, annotations):
        labels = {key: sentence.get(key) for key in label_keys}
        missing = [key for key, value in labels.items() if value is None]
        if missing:
            raise ValueError(f"The annotation {sentence.text!r} of video {video_id} has no {missing} label.")
        segments.append((video_id, visual_ids, labels))
    return segments


def annotated_segments(dataset, annotations):
    """
    Yields `(video_id, visual_ids, TimedSentence)` for every annotation of a tokenized split whose video is in the
    dataset: the clips whose midpoint lies inside the annotation's span (or the nearest clip).
    """
    from .processing_videobert import align_sentences_to_clips

    for row in dataset:
        video_id = row["video_id"]
        if video_id not in annotations:
            continue
        sentences = annotations[video_id]
        spans = align_sentences_to_clips([(s.start, s.end) for s in sentences], row["clip_times"])
        for sentence, (first, end) in zip(sentences, spans):
            yield video_id, list(row["visual_ids"][first:end]), sentence


def evaluate_zero_shot(
    model, processor, segments, verbs, nouns, template=PAPER_TEMPLATE, batch_size=32, show_progress=True
) -> dict[str, float]:
    """
    Verb and noun top-1 / top-5 accuracy of the zero-shot protocol on `labelled_segments`, with the video and
    without it (the text-only language prior, which sees the template alone), in percent.
    """
    verb_labels = [verbs.index(labels["verb"]) for _, _, labels in segments]
    noun_labels = [nouns.index(labels["noun"]) for _, _, labels in segments]
    results = {"segments": len(segments)}
    for name, inputs in (("video", [ids for _, ids, _ in segments]), ("prior", [None] * len(segments))):
        predictions = zero_shot_action_classification(
            model,
            processor,
            inputs,
            verbs,
            nouns,
            template,
            top_k=5,
            batch_size=batch_size,
            show_progress=show_progress,
        )
        for k in (1, 5):
            for key, value in predictions.accuracy(verb_labels, noun_labels, k).items():
                results[f"{name}_{key}"] = round(100 * value, 2)
    results["chance_top1"] = round(100 / len(verbs), 2)
    return results


def resolve_visual_tokenizer(model, visual_tokenizer=None):
    """
    The visual tokenizer to use with `model`: `visual_tokenizer` when given, else the model's own
    (`model.base_model.visual_tokenizer`, built when `config.visual_tokenizer_config` is set); a clear error without
    either.
    """
    if visual_tokenizer is not None:
        return visual_tokenizer
    own = getattr(getattr(model, "base_model", model), "visual_tokenizer", None)
    if own is None:
        raise ValueError(
            "This model has no visual tokenizer of its own (config.visual_tokenizer_config is not set): pass a fitted "
            "`visual_tokenizer` (VideoBertVisualTokenizer.from_pretrained(...))."
        )
    return own


@torch.no_grad()
def tokenize_video(video_processor, visual_tokenizer, path, batch_size: int = 8) -> list[int]:
    """
    The visual token ids (codebook ids) of a video file, its clips streamed `batch_size` at a time through the video
    processor and the visual tokenizer (memory flat in the video's length). `[]` for a video shorter than one clip;
    an unreadable file raises the video processor's `VideoDecodingError`.
    """
    ids = []
    for batch in video_processor.iter_clips(path, batch_size=batch_size):
        ids.extend(visual_tokenizer(batch["pixel_values_videos"], batch_size=batch_size).tolist())
    return ids


# ---------------------------------------------------------------------------------------------------------------------
# Video-text retrieval with the linguistic-visual alignment head


def sentence_segments(dataset, annotations) -> list[tuple[str, list[int], str]]:
    """
    `(video_id, visual_ids, sentence)` of every annotated segment of a tokenized split, the annotation's sentence
    (for the synthetic benchmark, the canonical "slice the onion on the board") as its text: the input of `evaluate_retrieval`.
    """
    return [(video_id, ids, sentence.text) for video_id, ids, sentence in annotated_segments(dataset, annotations)]


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
    tokenizer = processor.tokenizer
    text_ids = []
    for index, text in enumerate(texts):
        if isinstance(text, str):
            if not text.strip():
                raise ValueError(f"Sentence {index} is empty.")
            text = tokenizer(text, add_special_tokens=False)["input_ids"]
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
        outputs = model(**pad_sequences(sequences, special.pad, device))
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


def retrieval_ranks(scores: torch.Tensor, positives: torch.Tensor) -> torch.LongTensor:
    """
    1-based rank of the best-scored correct candidate of each query: `scores` and `positives` (bool) are
    `[num_queries, num_candidates]`; every query needs at least one positive. Ties count against the query (a
    candidate scored the same as the best positive ranks before it), so a constant scorer gets the worst rank.
    """
    scores = torch.as_tensor(scores, dtype=torch.float32)
    positives = torch.as_tensor(positives, dtype=torch.bool)
    if scores.shape != positives.shape or scores.ndim != 2:
        raise ValueError(
            f"scores {tuple(scores.shape)} and positives {tuple(positives.shape)} must be the same 2-D shape."
        )
    if not positives.any(dim=1).all():
        raise ValueError("Every query needs at least one correct candidate.")
    best_positive = scores.masked_fill(~positives, float("-inf")).max(dim=1).values
    return 1 + ((scores >= best_positive[:, None]) & ~positives).sum(dim=1)


def chance_recall_at_k(num_candidates: int, num_positives: int, k: int) -> float:
    """Probability that a uniformly random ranking puts one of `num_positives` correct candidates in the top `k`."""
    if k >= num_candidates - num_positives + 1:
        return 1.0
    return 1.0 - math.comb(num_candidates - num_positives, k) / math.comb(num_candidates, k)


def retrieval_metrics(scores: torch.Tensor, positives: torch.Tensor | None = None, ks=(1, 5, 10)) -> dict[str, float]:
    """
    Recall@k (percent) and median rank of the first correct candidate, with the same figures for a random ranking
    beside them (`chance_r{k}`: exact expectation; `chance_median_rank`: median over queries of the expected rank
    `(candidates + 1) / (positives + 1)`). `positives` defaults to the diagonal (query i's answer is candidate i).
    """
    scores = torch.as_tensor(scores, dtype=torch.float32)
    if positives is None:
        if scores.shape[0] != scores.shape[1]:
            raise ValueError("Without `positives` the score matrix must be square (query i's answer is candidate i).")
        positives = torch.eye(scores.shape[0], dtype=torch.bool)
    positives = torch.as_tensor(positives, dtype=torch.bool)
    ranks = retrieval_ranks(scores, positives)
    num_candidates = scores.shape[1]
    num_positives = positives.sum(dim=1).tolist()
    results = {"queries": scores.shape[0], "candidates": num_candidates}
    for k in ks:
        results[f"r{k}"] = round(100 * (ranks <= k).float().mean().item(), 2)
    results["median_rank"] = float(statistics.median(ranks.tolist()))
    for k in ks:
        chance = statistics.fmean(chance_recall_at_k(num_candidates, p, k) for p in num_positives)
        results[f"chance_r{k}"] = round(100 * chance, 2)
    results["chance_median_rank"] = float(statistics.median((num_candidates + 1) / (p + 1) for p in num_positives))
    return results


RETRIEVAL_KEYS = ("r1", "r5", "r10", "median_rank", "chance_r1", "chance_r5", "chance_r10", "chance_median_rank")


def format_retrieval_table(results_by_split: dict[str, dict]) -> str:
    """Markdown table of retrieval results (`evaluate_retrieval`) for one or more splits, chance beside each figure."""
    lines = [
        "| split | direction | queries x candidates | R@1 (chance) | R@5 (chance) | R@10 (chance) | median rank "
        "(chance) |",
        "|---|---|---|---|---|---|---|",
    ]
    for split, r in results_by_split.items():
        for direction, label, size in (
            ("text_to_video", "text -> video", f"{r['sentences']} x {r['segments']}"),
            ("video_to_text", "video -> text", f"{r['segments']} x {r['sentences']}"),
        ):
            cells = [f"{r[f'{direction}_r{k}']:.1f} ({r[f'{direction}_chance_r{k}']:.1f})" for k in (1, 5, 10)]
            median = f"{r[f'{direction}_median_rank']:g} ({r[f'{direction}_chance_median_rank']:g})"
            lines.append(f"| {split} | {label} | {size} | {' | '.join(cells)} | {median} |")
    return "\n".join(lines)


def evaluate_retrieval(
    model, processor, segments, batch_size: int = 64, max_length: int | None = None, show_progress: bool = True
) -> dict[str, float]:
    """
    Video-text retrieval through the alignment head on annotated segments (see `sentence_segments`): every distinct
    sentence is scored against every segment, once, in batches (`alignment_scores`).

    - text -> video: each distinct sentence ranks the segments; correct are the segments annotated with it (the
      rank is that of the best-scored correct one);
    - video -> text: each segment ranks the distinct sentences; correct is its own.

    Segments without visual tokens cannot be scored: they are left out and counted in `skipped_segments` (with a
    warning). Returns `{"segments", "sentences", "skipped_segments", "<direction>_<metric>"}` for the directions
    `text_to_video` and `video_to_text` and the metrics `RETRIEVAL_KEYS` (R@k in percent, ranks 1-based).
    """
    kept = [(video_id, list(ids), text) for video_id, ids, text in segments if len(ids)]
    skipped = len(segments) - len(kept)
    if skipped:
        logger.warning(f"Retrieval: {skipped} of {len(segments)} segments have no visual token and are left out.")
    if not kept:
        raise ValueError(f"None of the {len(segments)} segments has a visual token to score.")
    sentences = list(dict.fromkeys(text for _, _, text in kept))
    sentence_index = {text: i for i, text in enumerate(sentences)}
    scores = alignment_scores(
        model,
        processor,
        sentences,
        [ids for _, ids, _ in kept],
        batch_size=batch_size,
        max_length=max_length,
        show_progress=show_progress,
    )
    positives = torch.zeros_like(scores, dtype=torch.bool)
    for column, (_, _, text) in enumerate(kept):
        positives[sentence_index[text], column] = True
    results = {"segments": len(kept), "sentences": len(sentences), "skipped_segments": skipped}
    for direction, metrics in (
        ("text_to_video", retrieval_metrics(scores, positives)),
        ("video_to_text", retrieval_metrics(scores.T, positives.T)),
    ):
        for key in RETRIEVAL_KEYS:
            results[f"{direction}_{key}"] = metrics[key]
    return results


# ---------------------------------------------------------------------------------------------------------------------
# Text-to-video and forecasting with the fill-mask head


@dataclass
class VisualTokenPredictions:
    """
    Visual tokens predicted at consecutive masked positions: `ids[p]` are codebook ids best first and `probs[p]` their
    probabilities within the visual vocabulary (`[positions, top_k]` each).
    """

    ids: torch.LongTensor
    probs: torch.FloatTensor

    @property
    def tokens(self) -> list[int]:
        """The most likely visual token of each position."""
        return self.ids[:, 0].tolist()


DECODING_MODES = ("parallel", "left_to_right")


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
    """
    if decoding not in DECODING_MODES:
        raise ValueError(f"decoding must be one of {DECODING_MODES}, got {decoding!r}.")
    if num_masks < 1:
        raise ValueError(f"There must be at least one position to predict, got {num_masks}.")
    special = processor.special_ids
    text_ids, prefix = list(text_ids or []), list(prefix or [])
    length = (len(text_ids) + 3 if text_ids else 2) + len(prefix) + num_masks
    if length > model.config.max_position_embeddings:
        raise ValueError(
            f"The sequence would hold {length} positions but the model allows "
            f"max_position_embeddings={model.config.max_position_embeddings}: use a shorter text or fewer positions."
        )
    ids, types = build_videobert_inputs(text_ids, prefix + [0] * num_masks, special)
    masked = list(range(len(ids) - 1 - num_masks, len(ids) - 1))  # the last positions before [SEP]
    for position in masked:
        ids[position] = special.mask
    device = next(model.parameters()).device
    inputs = pad_sequences([(ids, types)], special.pad, device)
    visual = slice(special.visual_token_offset, special.visual_token_offset + special.visual_vocab_size)
    top_k = min(top_k, special.visual_vocab_size)
    model.eval()

    if decoding == "parallel":
        return _predict_masked_batch(model, processor, [(text_ids, prefix, num_masks)], top_k)[0]
    chosen_ids, chosen_probs = [], []
    for position in masked:
        probs = vocabulary_logits(model(**inputs))[0, position, visual].float().softmax(dim=-1)
        top = probs.topk(top_k)
        inputs["input_ids"][0, position] = top.indices[0] + special.visual_token_offset
        chosen_ids.append(top.indices.cpu())
        chosen_probs.append(top.values.cpu())
    return VisualTokenPredictions(ids=torch.stack(chosen_ids), probs=torch.stack(chosen_probs))


@torch.no_grad()
def _predict_masked_batch(
    model, processor, requests, top_k: int, batch_size: int = 32, desc: str = "", show_progress: bool = False
) -> list[VisualTokenPredictions]:
    """
    Parallel decoding of many `(text_ids or None, prefix, num_masks)` requests, `batch_size` sequences per forward
    pass: each one's `[CLS] text [>] prefix [MASK] x n [SEP]` (or video-only) top `top_k` visual tokens per masked
    position, as `predict_masked_visual_tokens(..., decoding="parallel")` gives them one at a time.
    """
    special = processor.special_ids
    visual = slice(special.visual_token_offset, special.visual_token_offset + special.visual_vocab_size)
    top_k = min(top_k, special.visual_vocab_size)
    device = next(model.parameters()).device
    model.eval()
    results = []
    for start in tqdm(range(0, len(requests), batch_size), desc=desc, disable=not show_progress):
        sequences, masked = [], []
        for index, (text_ids, prefix, num_masks) in enumerate(requests[start : start + batch_size], start):
            ids, types = build_videobert_inputs(text_ids, list(prefix) + [0] * num_masks, special)
            if len(ids) > model.config.max_position_embeddings:
                raise ValueError(
                    f"Sequence {index} would hold {len(ids)} positions but the model allows max_position_embeddings="
                    f"{model.config.max_position_embeddings}: use a shorter text or fewer positions."
                )
            masked.append(range(len(ids) - 1 - num_masks, len(ids) - 1))  # the last positions before [SEP]
            ids[masked[-1].start : masked[-1].stop] = [special.mask] * num_masks
            sequences.append((ids, types))
        logits = vocabulary_logits(model(**pad_sequences(sequences, special.pad, device)))
        for row, positions in enumerate(masked):
            top = logits[row, positions.start : positions.stop, visual].float().softmax(dim=-1).topk(top_k, dim=-1)
            results.append(VisualTokenPredictions(ids=top.indices.cpu(), probs=top.values.cpu()))
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
    most recent tokens. See `predict_masked_visual_tokens` for `decoding`.
    """
    prefix = [int(v) for v in prefix]
    if not prefix:
        raise ValueError("Forecasting needs at least one observed visual token.")
    room = model.config.max_position_embeddings - 2 - horizon
    if room < 1:
        raise ValueError(f"horizon={horizon} leaves no room for the prefix in the model's positions.")
    return predict_masked_visual_tokens(model, processor, None, prefix[-room:], horizon, top_k, decoding)


def token_label_votes(segments, key: str) -> dict[int, str]:
    """
    The label each visual token co-occurs with most over labelled segments (`labelled_segments`), `{codebook id:
    label}` (ties: the label met first). With it, predicted or observed tokens can be read as labels (`vote`).
    """
    counts = {}
    for _, visual_ids, labels in segments:
        for token in visual_ids:
            counts.setdefault(int(token), Counter())[labels[key]] += 1
    return {token: counter.most_common(1)[0][0] for token, counter in counts.items()}


def vote(tokens: Sequence[int], votes: dict[int, str]) -> str | None:
    """The majority label of the tokens that have one in `votes` (ties: the first met); None if none has."""
    ballot = Counter(votes[int(token)] for token in tokens if int(token) in votes)
    return ballot.most_common(1)[0][0] if ballot else None


def evaluate_text_to_video(
    model, processor, segments, label_votes=None, batch_size: int = 32, show_progress: bool = True
) -> dict[str, float]:
    """
    Text-to-video on annotated segments (`annotated_segments`: `(video_id, visual_ids, TimedSentence)`): each
    segment's sentence predicts as many visual tokens as the segment has clips (`[CLS] sentence [>] [MASK] x n [SEP]`,
    `argmax_k p(x_t = k | sentence)`), and the same positions are predicted without the sentence (`[CLS] [MASK] x n
    [SEP]`, the model's prior over video). In percent:

    - `token_hit_rate`: predicted tokens that occur among the segment's own tokens, averaged over segments; beside
      it `prior_token_hit_rate` (no sentence) and `chance_token_hit_rate` (a uniformly random token);
    - with `label_votes` (`{key: token_label_votes(training segments, key)}`), for each key: `<key>_accuracy`, how
      often the predicted tokens' majority label (`vote`) is the segment's label, i.e. whether the imagined video
      shows the sentence's verb or noun; `prior_<key>_accuracy` without the sentence; `reference_<key>_accuracy`
      the same vote over the segment's real tokens (what the tokens allow at best through this reading).

    Segments without clips are left out (`skipped_segments`); a sentence and clips longer than the model's positions
    raise a `ValueError` naming the segment's place among those kept.
    """
    kept = [(ids, sentence) for _, ids, sentence in segments if len(ids)]
    if not kept:
        raise ValueError(f"None of the {len(segments)} segments has a visual token to compare with.")
    tokenizer = processor.tokenizer
    requests = [(tokenizer(s.text, add_special_tokens=False)["input_ids"], [], len(ids)) for ids, s in kept]
    predicted = _predict_masked_batch(
        model, processor, requests, 1, batch_size, "text-to-video", show_progress
    ) + _predict_masked_batch(model, processor, [(None, [], n) for _, _, n in requests], 1, batch_size)
    with_text, prior = predicted[: len(kept)], predicted[len(kept) :]
    vocab_size = processor.special_ids.visual_vocab_size
    own_tokens = [set(ids) for ids, _ in kept]

    def hit_rate(predictions):
        hits = [sum(t in own for t in p.tokens) / len(p.tokens) for p, own in zip(predictions, own_tokens)]
        return round(100 * statistics.fmean(hits), 2)

    results = {
        "segments": len(kept),
        "skipped_segments": len(segments) - len(kept),
        "token_hit_rate": hit_rate(with_text),
        "prior_token_hit_rate": hit_rate(prior),
        "chance_token_hit_rate": round(100 * statistics.fmean(len(own) / vocab_size for own in own_tokens), 2),
    }
    for key, votes in (label_votes or {}).items():
        labels = [sentence.get(key) for _, sentence in kept]
        if None in labels:
            raise ValueError(f"An annotation has no {key!r} label: {kept[labels.index(None)][1].text!r}.")
        for name, tokens in (
            ("", [p.tokens for p in with_text]),
            ("prior_", [p.tokens for p in prior]),
            ("reference_", [list(ids) for ids, _ in kept]),
        ):
            correct = sum(vote(t, votes) == label for t, label in zip(tokens, labels))
            results[f"{name}{key}_accuracy"] = round(100 * correct / len(kept), 2)
    return results


def evaluate_forecasting(
    model,
    processor,
    videos: Sequence[Sequence[int]],
    horizon: int = 4,
    min_prefix: int = 4,
    stride: int = 4,
    batch_size: int = 32,
    show_progress: bool = True,
) -> dict[str, float]:
    """
    Forecasting on whole videos (their visual tokens): from every cut `t = min_prefix, min_prefix + stride, ...`
    before a video's end, the first `t` tokens predict the next `horizon` ones in one pass (`forecast_visual_tokens`,
    parallel decoding). For `h = 1..horizon` steps ahead (in percent, over the cuts with a token there):
    `h<h>_top1` / `h<h>_top5` (the real token is the most likely / among the 5 most likely), `h<h>_last_top1`
    (repeating the last observed token, the baseline to beat on video where neighbouring clips look alike),
    `h<h>_count`; `chance_top1` is a uniformly random token. Videos with no cut (at most `min_prefix` tokens) are
    counted in `skipped_videos`.
    """
    if horizon < 1 or min_prefix < 1 or stride < 1:
        raise ValueError(f"horizon, min_prefix and stride must be >= 1, got {horizon}, {min_prefix}, {stride}.")
    room = model.config.max_position_embeddings - 2 - horizon
    if room < 1:
        raise ValueError(f"horizon={horizon} leaves no room for the prefix in the model's positions.")
    cuts = [(list(map(int, v)), t) for v in videos for t in range(min_prefix, len(v), stride)]
    if not cuts:
        raise ValueError(f"No video of {len(videos)} has more than min_prefix={min_prefix} visual tokens.")
    requests = [(None, video[max(0, t - room) : t], horizon) for video, t in cuts]
    predicted = _predict_masked_batch(model, processor, requests, 5, batch_size, "forecasting", show_progress)
    results = {
        "videos": len(videos),
        "skipped_videos": sum(len(v) <= min_prefix for v in videos),
        "cuts": len(cuts),
        "chance_top1": round(100 / processor.special_ids.visual_vocab_size, 2),
    }
    for h in range(1, horizon + 1):
        scored = [
            (video[t + h - 1], p.ids[h - 1].tolist(), video[t - 1])
            for (video, t), p in zip(cuts, predicted)
            if t + h - 1 < len(video)
        ]
        results[f"h{h}_count"] = len(scored)
        for name, hit in (
            ("top1", lambda real, top, last: real == top[0]),
            ("top5", lambda real, top, last: real in top[:5]),
            ("last_top1", lambda real, top, last: real == last),
        ):
            results[f"h{h}_{name}"] = round(100 * sum(hit(*item) for item in scored) / len(scored), 2)
    return results


__all__ = [
    "DECODING_MODES",
    "PAPER_TEMPLATE",
    "RETRIEVAL_KEYS",
    "VisualTokenPredictions",
    "ZeroShotPredictions",
    "alignment_probabilities",
    "alignment_scores",
    "annotated_segments",
    "chance_recall_at_k",
    "evaluate_forecasting",
    "evaluate_retrieval",
    "evaluate_text_to_video",
    "evaluate_zero_shot",
    "forecast_visual_tokens",
    "format_retrieval_table",
    "labelled_segments",
    "pad_sequences",
    "predict_masked_visual_tokens",
    "rank_sentences",
    "rank_videos",
    "retrieval_metrics",
    "resolve_visual_tokenizer",
    "retrieval_ranks",
    "sentence_segments",
    "single_token_ids",
    "template_mask_positions",
    "text_to_video",
    "token_label_votes",
    "tokenize_video",
    "topk_accuracy",
    "vocabulary_logits",
    "vote",
    "zero_shot_action_classification",
]
