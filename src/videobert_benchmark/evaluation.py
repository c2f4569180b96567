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
Evaluation protocols on annotated splits (YouCook II-format annotations whose entries carry `verb` / `noun` labels, as
the synthetic benchmark's do): zero-shot classification, retrieval, text-to-video and forecasting, each with the
baseline it must beat, and the metrics they report.
"""

import math
import os
import platform
import statistics
from collections import Counter
from collections.abc import Sequence

import torch
from transformers.utils import logging

from videobert_hf.processing_videobert import align_sentences_to_clips, clip_words
from videobert_hf.uses.retrieval import alignment_scores, video_likelihood_scores, video_log_likelihoods
from videobert_hf.uses.visual_prediction import predict_masked_visual_tokens_batch
from videobert_hf.uses.zero_shot import (
    PAPER_TEMPLATE,
    zero_shot_action_classification,
    zero_shot_by_video_likelihood,
)


logger = logging.get_logger(__name__)


def topk_accuracy(ranked: torch.LongTensor, labels: Sequence[int], k: int) -> float:
    """Fraction of rows of `ranked` (label indices, best first) whose first `k` entries hold the row's label."""
    labels = torch.as_tensor(list(labels), dtype=torch.long)
    if ranked.shape[0] != labels.shape[0]:
        raise ValueError(f"{ranked.shape[0]} predictions for {labels.shape[0]} labels.")
    if not len(labels):
        raise ValueError("No labels to score.")
    return (ranked[:, :k] == labels[:, None]).any(dim=1).float().mean().item()


CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16")
# the instructions that compute bfloat16 products natively (oneDNN's kernels for bf16 autocast on a CPU)
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_computes_bf16(machine: dict | None = None) -> bool:
    """
    Whether the CPU computes bfloat16 products natively (AVX512-BF16 or AMX-BF16, `NATIVE_BF16_FLAGS`), so that
    bf16 autocast speeds training up (1.7x a pretraining step of `make demo` on a 2-core AMD EPYC) rather than
    emulating bf16 more slowly than float32. `machine`: a `machine_description()` (read now when None).
    """
    flags = (machine or machine_description())["cpu_flags"]
    return any(flag in flags for flag in NATIVE_BF16_FLAGS)


def machine_description() -> dict:
    """
    What a figure's machine was: CPU model, the instruction sets that choose torch's and MKL's kernels, the thread
    count and the library versions. Training on a CPU is bit-exact only for the same kernels and threads; two machines
    of one kind can differ in their CPU model and so in the last bits of a matmul, which training amplifies into other
    digits (BENCHMARKS.md, "Two sets of digits: AMD EPYC and Intel Xeon"). Read from `/proc/cpuinfo` where there is
    one (Linux), else `platform`.
    """
    import transformers

    cpu = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "cpu family", "model", "stepping", "flags") and key not in cpu:
                    cpu[key] = value.strip()
                if not line.strip() and cpu:
                    break  # the first processor is enough
    except OSError:
        pass
    flags = set(cpu.get("flags", "").split())
    return {
        "cpu": cpu.get("model name") or platform.processor() or platform.machine(),
        "cpu_family_model_stepping": "/".join(cpu.get(key, "?") for key in ("cpu family", "model", "stepping")),
        "cpu_flags": [flag for flag in CPU_FLAGS if flag in flags],
        "logical_cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
    }


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
    for row in dataset:
        video_id = row["video_id"]
        if video_id not in annotations:
            continue
        sentences = annotations[video_id]
        spans = align_sentences_to_clips([(s.start, s.end) for s in sentences], row["clip_times"])
        for sentence, (first, end) in zip(sentences, spans):
            yield video_id, list(row["visual_ids"][first:end]), sentence


def evaluate_zero_shot(
    model,
    processor,
    segments,
    verbs,
    nouns,
    template=PAPER_TEMPLATE,
    batch_size=32,
    show_progress=True,
    verb_codebooks=None,
    noun_codebooks=None,
    combine_all_words=False,
    video_likelihood=False,
) -> dict[str, float]:
    """
    Verb and noun top-1 / top-5 accuracy of the zero-shot protocol on `labelled_segments`, with the video and
    without it (the text-only language prior, which sees the template alone), in percent. `verb_codebooks` /
    `noun_codebooks`: the codebooks each query sees (`zero_shot_action_classification`; default all), and
    `combine_all_words` multiplies in the query that sees every word. `video_likelihood`: read from text to video
    instead (`zero_shot_by_video_likelihood`, the codebooks scoring each label); it has no language prior (without a
    video there is nothing to score), so only the `video_*` figures.
    """
    verb_labels = [verbs.index(labels["verb"]) for _, _, labels in segments]
    noun_labels = [nouns.index(labels["noun"]) for _, _, labels in segments]
    results = {"segments": len(segments)}
    queries = [("video", [ids for _, ids, _ in segments])]
    if not video_likelihood:
        queries.append(("prior", [None] * len(segments)))
    for name, inputs in queries:
        kwargs = {"top_k": 5, "show_progress": show_progress}
        kwargs |= {"verb_codebooks": verb_codebooks, "noun_codebooks": noun_codebooks}
        if video_likelihood:
            predictions = zero_shot_by_video_likelihood(model, processor, inputs, verbs, nouns, template, **kwargs)
        else:
            predictions = zero_shot_action_classification(
                model,
                processor,
                inputs,
                verbs,
                nouns,
                template,
                batch_size=batch_size,
                combine_all_words=combine_all_words,
                **kwargs,
            )
        for k in (1, 5):
            for key, ranked, labels in (
                ("verb", predictions.verbs, verb_labels),
                ("noun", predictions.nouns, noun_labels),
            ):
                results[f"{name}_{key}_top{k}"] = round(100 * topk_accuracy(ranked, labels, k), 2)
    results["chance_top1"] = round(100 / len(verbs), 2)
    return results


def sentence_segments(dataset, annotations) -> list[tuple[str, list[int], str]]:
    """
    `(video_id, visual_ids, sentence)` of every annotated segment of a tokenized split, the annotation's sentence
    (for the synthetic benchmark, the canonical "slice the onion on the board") as its text: the input of `evaluate_retrieval`.
    """
    return [(video_id, ids, sentence.text) for video_id, ids, sentence in annotated_segments(dataset, annotations)]


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


def evaluate_retrieval(
    model,
    processor,
    segments,
    batch_size: int = 64,
    max_length: int | None = None,
    show_progress: bool = True,
    video_likelihood: bool = False,
) -> dict[str, float]:
    """
    Video-text retrieval on annotated segments (see `sentence_segments`): every distinct sentence is scored against
    every segment, once, in batches: through the alignment head (`alignment_scores`, P(aligned)), or with
    `video_likelihood` from text to video (`video_log_likelihoods` then `video_likelihood_scores`: how much more
    likely the sentence makes the segment's visual words than the other sentences do, read with the fill-mask head of a
    `VideoBertForMaskedLM`, best a text-to-video fine-tune; `batch_size` then counts distinct queries).

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
    if video_likelihood and len(sentences) < 2:
        raise ValueError("Retrieval from text to video compares the sentences: the segments hold only one.")
    sentence_index = {text: i for i, text in enumerate(sentences)}
    score = video_log_likelihoods if video_likelihood else alignment_scores
    scores = score(
        model,
        processor,
        sentences,
        [ids for _, ids, _ in kept],
        batch_size=batch_size,
        max_length=max_length,
        show_progress=show_progress,
    )
    if video_likelihood:
        scores = video_likelihood_scores(scores)
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


def words(visual_ids) -> list[int]:
    """A segment's visual words: its ids, or with several codebooks each clip's words (a list per clip) in order."""
    return [int(w) for clip in visual_ids for w in (clip if isinstance(clip, (list, tuple)) else [clip])]


class TokenLabelVotes(dict):
    """
    `{codebook id: label}`, the label each visual token co-occurred with most (`token_label_votes`), with `purity`:
    `{codebook id: share}`, the share of the token's labelled occurrences that carry that label (how surely it names it).
    """

    def __init__(self, labels=(), purity=None):
        super().__init__(labels)
        self.purity = dict(purity or {})


def token_label_votes(segments, key: str) -> TokenLabelVotes:
    """
    The label each visual token co-occurs with most over labelled segments (`labelled_segments`), `{codebook id:
    label}` (ties: the label met first), and each token's purity (`TokenLabelVotes`). With it, predicted or observed
    tokens can be read as labels (`vote`).
    """
    counts = {}
    for _, visual_ids, labels in segments:
        for token in words(visual_ids):
            counts.setdefault(token, Counter())[labels[key]] += 1
    best = {token: counter.most_common(1)[0] for token, counter in counts.items()}
    return TokenLabelVotes(
        {token: label for token, (label, _) in best.items()},
        {token: count / counts[token].total() for token, (_, count) in best.items()},
    )


def vote(tokens: Sequence, votes: dict[int, str]) -> str | None:
    """
    The label clips name, None if no word of theirs has one in `votes`. `tokens` are clips: ids (one word a clip) or,
    with several codebooks, a list of words per clip. A clip names the label its words' votes weighted by their
    purity make (`TokenLabelVotes.purity`, 1 in a plain dict; ties: the first in codebook order), so that each label
    is read from the word that named it most surely in training, whichever codebook it is in; the clips name their
    majority label (ties: the first met). With one word per clip: the words' majority.
    """
    purity = getattr(votes, "purity", {})
    ballot = Counter()
    for clip in tokens:
        weights = Counter()
        for word in map(int, clip if isinstance(clip, (list, tuple)) else [clip]):
            if word in votes:
                weights[votes[word]] += purity.get(word, 1.0)
        if weights:
            ballot[max(weights, key=weights.__getitem__)] += 1
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
      often the predicted clips' majority label (`vote`) is the segment's label, i.e. whether the imagined video
      shows the sentence's verb or noun; `prior_<key>_accuracy` without the sentence; `reference_<key>_accuracy`
      the same vote over the segment's real tokens (what the tokens allow at best through this reading).

    Segments without clips are left out (`skipped_segments`); a sentence and clips longer than the model's positions
    raise a `ValueError` naming the segment's place among those kept.
    """
    kept = [(ids, sentence) for _, ids, sentence in segments if len(ids)]
    if not kept:
        raise ValueError(f"None of the {len(segments)} segments has a visual token to compare with.")
    text_ids = processor.encode_sentences([s.text for _, s in kept])
    requests = [(ids_of_text, [], len(ids)) for ids_of_text, (ids, _) in zip(text_ids, kept)]
    predicted = predict_masked_visual_tokens_batch(
        model, processor, requests, 1, batch_size, "text-to-video", show_progress
    ) + predict_masked_visual_tokens_batch(model, processor, [(None, [], n) for _, _, n in requests], 1, batch_size)
    with_text, prior = predicted[: len(kept)], predicted[len(kept) :]
    vocab_size = processor.special_ids.visual_vocab_size
    own_tokens = [set(words(ids)) for ids, _ in kept]

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
            ("", [p.clips for p in with_text]),
            ("prior_", [p.clips for p in prior]),
            ("reference_", [ids for ids, _ in kept]),
        ):
            correct = sum(vote(t, votes) == label for t, label in zip(tokens, labels))
            results[f"{name}{key}_accuracy"] = round(100 * correct / len(kept), 2)
    return results


def _video_clips(videos, special) -> list[list[tuple[int, ...]]]:
    """Each video's clips as tuples of their words (one word each with one codebook)."""
    groups = special.num_codebooks
    words = [clip_words(v, special) for v in videos]
    return [[tuple(v[i : i + groups]) for i in range(0, len(v), groups)] for v in words]


def forecasting_markov_baseline(
    videos, reference_videos, special, horizon: int = 4, min_prefix: int = 4, stride: int = 4
) -> dict[str, float]:
    """
    A baseline for `evaluate_forecasting` that reads no model: at the same cuts, the clip that followed the last
    observed one most often in `reference_videos` (e.g. the training videos; ties: the one met first), chained for
    `h > 1` (a first-order Markov chain over clips), or the last clip itself when it never had a successor there.
    Returns `h<h>_markov_top1` in percent: how well the training videos' own transition statistics forecast. `special`:
    the processor's `special_ids` (for the number of codebooks).
    """
    clips, reference = _video_clips(videos, special), _video_clips(reference_videos, special)
    return _markov_baseline(clips, reference, horizon, min_prefix, stride)


def _markov_baseline(videos, reference_videos, horizon, min_prefix, stride) -> dict[str, float]:
    """`forecasting_markov_baseline` on videos already cut into clips (`_video_clips`)."""
    following = {}
    for video in reference_videos:
        for clip, after in zip(video, video[1:]):
            following.setdefault(clip, Counter())[after] += 1
    successor = {clip: counter.most_common(1)[0][0] for clip, counter in following.items()}
    hits, counts = [0] * horizon, [0] * horizon
    for video in videos:
        for t in range(min_prefix, len(video), stride):
            guess = video[t - 1]
            for h in range(min(horizon, len(video) - t)):
                guess = successor.get(guess, guess)
                hits[h] += guess == video[t + h]
                counts[h] += 1
    return {f"h{h + 1}_markov_top1": round(100 * hits[h] / counts[h], 2) for h in range(horizon) if counts[h]}


def clip_steps(dataset, annotations, special, label_keys=("verb", "noun")):
    """Each video's clips (tuples of their words) with the labels of the annotated step each falls in (a tuple of
    `label_keys`' values; None between steps), as `[(clips, steps)]` in the dataset's order."""
    videos = []
    for row in dataset:
        clips = _video_clips([row["visual_ids"]], special)[0]
        steps = [None] * len(clips)
        sentences = annotations.get(row["video_id"], [])
        spans = align_sentences_to_clips([(s.start, s.end) for s in sentences], row["clip_times"])
        for sentence, (first, end) in zip(sentences, spans):
            steps[first:end] = [tuple(sentence.get(key) for key in label_keys)] * (end - first)
        videos.append((clips, steps))
    return videos


def _typical_clips(videos) -> dict:
    """`{step: its most frequent clip}` over `clip_steps`' videos (ties: the clip met first)."""
    counts = {}
    for clips, steps in videos:
        for clip, step in zip(clips, steps):
            counts.setdefault(step, Counter())[clip] += 1
    return {step: counter.most_common(1)[0][0] for step, counter in counts.items()}


def forecasting_step_oracle(
    dataset, annotations, reference_dataset, reference_annotations, special, horizon=4, min_prefix=4, stride=4
) -> dict[str, float]:
    """
    Forecasters told the annotated steps, as ceilings for what knowing the steps is worth on exact tokens: at the cuts
    of `evaluate_forecasting`, `h<h>_step_oracle_top1` answers for clip `t + h` the most frequent clip of that clip's
    own step (its verb-noun pair, or "between steps") in `reference_dataset` (the training split): it knows what
    happens next. `h<h>_current_step_oracle_top1` answers the most frequent clip of the last observed clip's step: it
    knows what is happening now, the most a forecaster that recognises steps perfectly can read when the next step is
    not predictable. A step never seen in the reference falls back to the last observed clip. Where they stay under
    repeating the last token, top-1 on exact tokens rewards the tokens' persistence from clip to clip (the same scene,
    the same rendering) more than knowing the steps. Datasets: tokenized rows (`video_id`, `visual_ids`,
    `clip_times`); annotations: `{video_id: [TimedSentence]}` with `verb` and `noun`. Values in percent.
    """
    typical = _typical_clips(clip_steps(reference_dataset, reference_annotations, special))
    hits, current, counts = [0] * horizon, [0] * horizon, [0] * horizon
    for clips, steps in clip_steps(dataset, annotations, special):
        for t in range(min_prefix, len(clips), stride):
            now = typical.get(steps[t - 1], clips[t - 1])
            for h in range(min(horizon, len(clips) - t)):
                hits[h] += typical.get(steps[t + h], clips[t - 1]) == clips[t + h]
                current[h] += now == clips[t + h]
                counts[h] += 1
    results = {}
    for h in (h for h in range(horizon) if counts[h]):
        results[f"h{h + 1}_step_oracle_top1"] = round(100 * hits[h] / counts[h], 2)
        results[f"h{h + 1}_current_step_oracle_top1"] = round(100 * current[h] / counts[h], 2)
    return results


def _told_state(steps: Sequence[tuple | None], t: int, max_run: int) -> tuple:
    """What a forecaster told the annotated steps of clips `0 .. t-1` knows at cut `t`: the last step seen, how many
    clips in a row it lasted (up to `max_run`), and whether clip `t - 1` lies in it (else between steps)."""
    seen = [i for i in range(t) if steps[i] is not None]
    if not seen:
        return (None, 0, False)
    last, run = steps[seen[-1]], 0
    for i in range(seen[-1], -1, -1):
        if steps[i] != last:
            break
        run += 1
    return (last, min(run, max_run), steps[t - 1] is not None)


def forecasting_told_steps(
    dataset,
    annotations,
    reference_dataset,
    reference_annotations,
    special,
    horizon=4,
    min_prefix=4,
    stride=4,
    max_run=8,
    label_keys=("verb", "noun"),
) -> dict[str, float]:
    """
    Forecasting read as steps by forecasters told the annotated steps of the observed clips (no model, no words): what
    the step reading of `evaluate_forecasting` can gain over persistence at all. At its cuts, over the clips `t + h`
    that lie in a step (`h<h>_told_cuts`): `h<h>_told_last_step_top1` repeats the last step seen;
    `h<h>_told_next_step_top1` answers the step that most often came `h` clips later in `reference_dataset`'s videos
    (the training split, a cut after every clip) after the same last step, lasted as many clips (up to `max_run`), with
    the last clip in it or past it: the recipes' order and the steps' durations, the most a forecaster told only the
    steps seen can know (a state never seen in the reference falls back to repeating). Where the second is barely
    above the first, little is there to gain over repeating for a forecaster that reads steps: the step goes on, and
    when it ends is not in the steps seen. Datasets and annotations as `forecasting_step_oracle`, a step named by its
    `label_keys`; values in percent.

    On exact tokens, over the same clips: `h<h>_told_token_top1` renders that step as `evaluate_forecasting`'s step
    then token does, the last observed clip where it lies in that step (the step goes on, as it looked), else the
    step's most frequent clip in `reference_dataset`; `h<h>_told_last_token_top1` repeats the last observed clip. Their
    difference is what knowing the recipes' order and the steps' durations is worth on exact tokens.
    """
    reference = clip_steps(reference_dataset, reference_annotations, special, label_keys)
    typical = _typical_clips(reference)
    following: dict[tuple, Counter] = {}
    for _, steps in reference:
        for t in range(1, len(steps)):
            state = _told_state(steps, t, max_run)
            for h in range(1, min(horizon, len(steps) - t) + 1):
                if steps[t + h - 1] is not None:
                    following.setdefault((state, h), Counter())[steps[t + h - 1]] += 1
    hits, repeats, tokens, last_tokens, counts = Counter(), Counter(), Counter(), Counter(), Counter()
    for clips, steps in clip_steps(dataset, annotations, special, label_keys):
        for t in range(min_prefix, len(steps), stride):
            state = _told_state(steps, t, max_run)
            for h in range(1, min(horizon, len(steps) - t) + 1):
                step = steps[t + h - 1]
                if step is None:
                    continue
                counter = following.get((state, h))
                guess = counter.most_common(1)[0][0] if counter else state[0]
                hits[h] += guess == step
                repeats[h] += state[0] == step
                goes_on = guess is None or guess == steps[t - 1] or guess not in typical
                rendered = clips[t - 1] if goes_on else typical[guess]
                tokens[h] += rendered == clips[t + h - 1]
                last_tokens[h] += clips[t - 1] == clips[t + h - 1]
                counts[h] += 1
    results = {}
    for h in sorted(counts):
        results[f"h{h}_told_cuts"] = counts[h]
        results[f"h{h}_told_last_step_top1"] = round(100 * repeats[h] / counts[h], 2)
        results[f"h{h}_told_next_step_top1"] = round(100 * hits[h] / counts[h], 2)
        results[f"h{h}_told_token_top1"] = round(100 * tokens[h] / counts[h], 2)
        results[f"h{h}_told_last_token_top1"] = round(100 * last_tokens[h] / counts[h], 2)
    return results


def _last_clip_ratios(predictions, last, groups: int) -> list[float]:
    """Per predicted clip: p(the last observed clip) / p(the most likely clip), words independent (parallel decoding)."""
    ratios = []
    for row in range(0, len(predictions.ids), groups):
        ratio = 1.0
        for g, word in enumerate(last):
            ids, probs = predictions.ids[row + g], predictions.probs[row + g]
            ratio *= float(probs[ids == word].sum() / probs[0])
        ratios.append(ratio)
    return ratios


# How `evaluate_forecasting` reads clips as steps; raise it whenever that reading changes, so that saved results are
# read again: 1 the clips read as steps, 2 also step then token, 3 with two words per clip the likeliest step summed
# over the clips naming it (before: the top clip's step), 4 with a clip's words' votes weighted by their purity
# (before: a tie went to codebook 0's word). With one word per clip, 2, 3 and 4 read alike.
FORECAST_READOUT = 4


def evaluate_forecasting(
    model,
    processor,
    videos: Sequence[Sequence[int]],
    horizon: int = 4,
    min_prefix: int = 4,
    stride: int = 4,
    batch_size: int = 32,
    show_progress: bool = True,
    reference_videos: Sequence[Sequence[int]] | None = None,
    keep_last_ratios: Sequence[float] = (),
    steps: Sequence[Sequence[tuple | None]] | None = None,
    label_votes: dict[str, dict[int, str]] | None = None,
) -> dict[str, float]:
    """
    Forecasting on whole videos (their visual tokens): from every cut `t = min_prefix, min_prefix + stride, ...`
    before a video's end, the first `t` tokens predict the next `horizon` ones in one pass (`forecast_visual_tokens`,
    parallel decoding). For `h = 1..horizon` steps ahead (in percent, over the cuts with a token there):
    `h<h>_top1` / `h<h>_top5` (the real token is the most likely / among the 5 most likely), `h<h>_last_top1`
    (repeating the last observed token, the baseline to beat on video where neighbouring clips look alike),
    `h<h>_count` (where it is 0 the horizon has no rates); `chance_top1` is a uniformly random token. Videos with no
    cut (at most `min_prefix` tokens) are counted in `skipped_videos`. With several codebooks tokens are clips (a list of words per clip, or flat words):
    a clip is right when each of its words is (top-5: each word among its codebook's 5 most likely). With
    `reference_videos` (the training videos) the results also hold `h<h>_markov_top1`, the training videos' own
    next-clip statistics as a second baseline (`forecasting_markov_baseline`). Each of `keep_last_ratios` (in [0, 1])
    adds `h<h>_keep_last_<r>_top1`: the model's top clip, except where the model gives the last observed clip at least
    `r` times the top clip's probability, then that clip (`r = 0`: always repeating it; `r = 1`: the top clip, the
    last one on a tie): whether the model knows *when* the video changes better than persistence does. These read
    every word's probability, so they cost memory in proportion to the visual vocabulary (cuts are scored in chunks).

    With `steps` (each video's annotated step per clip, a tuple of labels or None between steps: `clip_steps` with
    `label_keys=tuple(label_votes)`) and `label_votes` (`{key: token_label_votes(training segments, key)}`), clips
    are also read as steps, what happens rather than how it is rendered: a clip names the step its words' majority
    labels make (`vote`, each key). Over the cuts whose clip `t + h` lies in a step (`h<h>_step_cuts` of them):
    `h<h>_step_top1` (the model's likeliest step is that step: its probabilities summed over the words naming each
    step; with two codebooks over the clips naming each step, a clip's probability the product of its words' (the
    heads' parallel decoding), and beside it `h<h>_step_top_clip_top1`, the step the top clip names; with more
    codebooks the step the top clip names), `h<h>_step_last_top1` (the last observed clip does:
    repeating it), `h<h>_step_reference_top1` (the real clip does: what its words carry), `h<h>_step_changed` (the
    share where the step is another than the last observed clip's), and on those cuts alone `h<h>_step_changed_top1`
    / `h<h>_step_changed_last_top1`. On exact tokens they add `h<h>_step_then_token_top1` (one codebook): decide the
    step, then render it, the last observed word where it names the likeliest step (the step goes on, as it looked),
    else the likeliest word naming that step: the model decides *whether* and *what* changes, persistence how a
    continuing step looks.
    """
    if horizon < 1 or min_prefix < 1 or stride < 1:
        raise ValueError(f"horizon, min_prefix and stride must be >= 1, got {horizon}, {min_prefix}, {stride}.")
    if any(not 0 <= r <= 1 for r in keep_last_ratios):
        raise ValueError(f"keep_last_ratios must lie in [0, 1], got {list(keep_last_ratios)}.")
    special = processor.special_ids
    groups = special.num_codebooks
    room = (model.config.max_position_embeddings - 2) // groups - horizon
    if room < 1:
        raise ValueError(f"horizon={horizon} leaves no room for the prefix in the model's positions.")
    videos = _video_clips(videos, special)
    if (steps is None) != (label_votes is None):
        raise ValueError("steps and label_votes go together: pass both to read clips as steps, or neither.")
    if steps is not None:
        if len(steps) != len(videos):
            raise ValueError(f"steps has {len(steps)} videos, videos has {len(videos)}.")
        for index, (video, labels) in enumerate(zip(videos, steps)):
            if len(labels) != len(video):
                raise ValueError(f"Video {index} has {len(video)} clips but {len(labels)} step labels in steps.")
    markov = {}
    if reference_videos is not None:
        markov = _markov_baseline(videos, _video_clips(reference_videos, special), horizon, min_prefix, stride)
    cuts = [(v, t) for v in videos for t in range(min_prefix, len(v), stride)]
    cut_steps = [] if steps is None else [s for s, v in zip(steps, videos) for _ in range(min_prefix, len(v), stride)]
    if not cuts:
        raise ValueError(f"No video of {len(videos)} has more than min_prefix={min_prefix} visual tokens.")
    requests = [(None, [w for clip in video[max(0, t - room) : t] for w in clip], horizon) for video, t in cuts]
    # the likeliest step needs every word's probability: one word per clip, each word names a step; two, each pair
    # of words (a clip) names the step its words' vote makes, as the real and the last clip are read; with more, the
    # top clip is read
    step_index = None
    if steps is not None and groups <= 2:
        size = special.visual_vocab_size // groups
        clips = (
            [(i,) for i in range(size)] if groups == 1 else [(a, size + b) for a in range(size) for b in range(size)]
        )
        named = [tuple(vote([clip], votes) for votes in label_votes.values()) for clip in clips]
        index = {name: i for i, name in enumerate(dict.fromkeys(named))}
        step_names = list(index)
        step_index = torch.tensor([index[name] for name in named])
    ratios, likeliest, rendered = [], [], []
    if keep_last_ratios or step_index is not None:
        # every word's probability, a chunk of cuts at a time; kept: the top 5, the last clip's probability ratio and
        # the likeliest step
        predicted, chunk = [], 8 * batch_size
        for start in range(0, len(requests), chunk):
            full = predict_masked_visual_tokens_batch(
                model,
                processor,
                requests[start : start + chunk],
                special.visual_vocab_size,
                batch_size,
                "forecasting",
                show_progress,
            )
            for (video, t), p in zip(cuts[start : start + chunk], full):
                if keep_last_ratios:
                    ratios.append(_last_clip_ratios(p, video[t - 1], groups))
                if step_index is not None and groups == 2:
                    best = _likeliest_pair_steps(p, step_index, len(step_names), size)
                    likeliest.append([step_names[i] for i in best])
                elif step_index is not None:
                    named_by = step_index[p.ids]
                    mass = torch.zeros(len(p.ids), len(step_names)).scatter_add_(1, named_by, p.probs.float())
                    best = mass.argmax(dim=1)
                    likeliest.append([step_names[i] for i in best.tolist()])
                    # step, then token: the last clip's word where it names the likeliest step, else the likeliest
                    # word that does (p.ids is sorted by probability)
                    last_step, first = step_index[video[t - 1][0]], (named_by == best[:, None]).int().argmax(dim=1)
                    rendered.append(
                        [
                            video[t - 1][0] if last_step == step else p.ids[row, first[row]].item()
                            for row, step in enumerate(best.tolist())
                        ]
                    )
                predicted.append(type(p)(ids=p.ids[:, :5], probs=p.probs[:, :5], num_codebooks=groups))
    else:
        predicted = predict_masked_visual_tokens_batch(
            model, processor, requests, 5, batch_size, "forecasting", show_progress
        )
    results = {
        "videos": len(videos),
        "skipped_videos": sum(len(v) <= min_prefix for v in videos),
        "cuts": len(cuts),
        "chance_top1": round(100 / (special.visual_vocab_size // groups) ** groups, 2),
    }
    for h in range(1, horizon + 1):
        scored = [
            (video[t + h - 1], [p.ids[(h - 1) * groups + g].tolist() for g in range(groups)], video[t - 1], i)
            for i, ((video, t), p) in enumerate(zip(cuts, predicted))
            if t + h - 1 < len(video)
        ]
        results[f"h{h}_count"] = len(scored)
        if not scored:  # no cut has a clip h steps ahead (short videos): no rate at this horizon
            continue
        names = ["top1", "top5", "last_top1", *(f"keep_last_{r:g}_top1" for r in keep_last_ratios)]
        names += ["step_then_token_top1"] if rendered else []
        hits = Counter()
        for real, top, last, i in scored:
            best = tuple(words[0] for words in top)
            hits["top1"] += real == best
            hits["top5"] += all(w in words[:5] for w, words in zip(real, top))
            hits["last_top1"] += real == last
            for r in keep_last_ratios:
                hits[f"keep_last_{r:g}_top1"] += real == (last if ratios[i][h - 1] >= r else best)
            if rendered:
                hits["step_then_token_top1"] += real == (rendered[i][h - 1],)
        for name in names:
            results[f"h{h}_{name}"] = round(100 * hits[name] / len(scored), 2)
        if steps is not None:
            results.update(_step_forecasting(h, scored, cuts, cut_steps, label_votes, likeliest))
            if likeliest and groups > 1:  # the readout of the top clip, beside the summed one
                top_clip = _step_forecasting(h, scored, cuts, cut_steps, label_votes, [])
                results[f"h{h}_step_top_clip_top1"] = top_clip.get(f"h{h}_step_top1")
    return {**results, **markov}


def _likeliest_pair_steps(predictions, step_index, num_steps: int, size: int) -> list[int]:
    """Per predicted clip of two words: the step (its index in `step_index`'s names, one per pair of words, codebook 0's
    word major) whose clips have the most probability, a clip's the product of its two words' (parallel decoding).
    `predictions` hold every word of each codebook (`size` of them)."""
    dense = torch.zeros(predictions.ids.shape).scatter_(1, predictions.ids % size, predictions.probs.float())
    joint = dense[0::2, :, None] * dense[1::2, None, :]  # [clips, codebook 0's word, codebook 1's word]
    mass = torch.zeros(joint.shape[0], num_steps).scatter_add_(
        1, step_index.expand(joint.shape[0], -1), joint.flatten(1)
    )
    return mass.argmax(dim=1).tolist()


def _step_forecasting(h, scored, cuts, cut_steps, label_votes, likeliest) -> dict[str, float]:
    """`evaluate_forecasting`'s figures with clips read as steps at horizon `h` (`scored`: its cuts with a clip there;
    `cut_steps`: each cut's video's step labels; `likeliest`: each cut's likeliest step per horizon, or empty to read
    the top clip's)."""

    def step_of(clip):
        return tuple(vote([clip], votes) for votes in label_votes.values())

    hits = Counter()
    for real, top, last, i in scored:
        labels, t = cut_steps[i], cuts[i][1]
        step = labels[t + h - 1]
        if step is None:
            continue
        changed = labels[t - 1] != step
        hits["cuts"] += 1
        hits["changed"] += changed
        guess = likeliest[i][h - 1] if likeliest else step_of(tuple(words[0] for words in top))
        for name, named in (("top1", guess), ("last_top1", step_of(last)), ("reference_top1", step_of(real))):
            right = named == tuple(step)
            hits[name] += right
            hits[f"changed_{name}"] += right and changed
    results = {f"h{h}_step_cuts": hits["cuts"]}
    if hits["cuts"]:
        for name in ("top1", "last_top1", "reference_top1", "changed"):
            results[f"h{h}_step_{name}"] = round(100 * hits[name] / hits["cuts"], 2)
    if hits["changed"]:
        for name in ("top1", "last_top1"):
            results[f"h{h}_step_changed_{name}"] = round(100 * hits[f"changed_{name}"] / hits["changed"], 2)
    return results


__all__ = [
    "RETRIEVAL_KEYS",
    "annotated_segments",
    "chance_recall_at_k",
    "clip_steps",
    "cpu_computes_bf16",
    "evaluate_forecasting",
    "evaluate_retrieval",
    "evaluate_text_to_video",
    "evaluate_zero_shot",
    "forecasting_markov_baseline",
    "forecasting_step_oracle",
    "forecasting_told_steps",
    "labelled_segments",
    "retrieval_metrics",
    "retrieval_ranks",
    "sentence_segments",
    "TokenLabelVotes",
    "token_label_votes",
    "topk_accuracy",
    "vote",
    "words",
]
