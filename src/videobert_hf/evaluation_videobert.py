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
"""Zero-shot action classification with VideoBERT's fill-mask head (the paper's template protocol)."""

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from .processing_videobert import build_videobert_inputs


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
    template_ids = tokenizer(template, add_special_tokens=False)["input_ids"]
    mask_positions = [i for i, token in enumerate(template_ids) if token == tokenizer.mask_token_id]
    if len(mask_positions) != 2:
        raise ValueError(
            f"The template must hold exactly two [MASK] tokens (verb, noun); {template!r} has {len(mask_positions)}."
        )
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
        longest = max(len(ids) for ids, _ in sequences)
        input_ids = torch.full((len(batch), longest), special.pad)
        token_type_ids = torch.zeros_like(input_ids)
        attention_mask = torch.zeros_like(input_ids)
        for row, (ids, types) in enumerate(sequences):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            token_type_ids[row, : len(ids)] = torch.tensor(types)
            attention_mask[row, : len(ids)] = 1
        outputs = model(
            input_ids=input_ids.to(device),
            token_type_ids=token_type_ids.to(device),
            attention_mask=attention_mask.to(device),
        )
        logits = (
            outputs.logits if hasattr(outputs, "logits") and outputs.logits is not None else outputs.prediction_logits
        )
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
    from .processing_videobert import align_sentences_to_clips

    segments = []
    for row in dataset:
        video_id = row["video_id"]
        if video_id not in annotations:
            continue
        sentences = annotations[video_id]
        spans = align_sentences_to_clips([(s.start, s.end) for s in sentences], row["clip_times"])
        for sentence, (first, end) in zip(sentences, spans):
            labels = {key: sentence.get(key) for key in label_keys}
            missing = [key for key, value in labels.items() if value is None]
            if missing:
                raise ValueError(f"The annotation {sentence.text!r} of video {video_id} has no {missing} label.")
            segments.append((video_id, row["visual_ids"][first:end], labels))
    return segments


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


__all__ = [
    "PAPER_TEMPLATE",
    "ZeroShotPredictions",
    "evaluate_zero_shot",
    "labelled_segments",
    "single_token_ids",
    "topk_accuracy",
    "zero_shot_action_classification",
]
