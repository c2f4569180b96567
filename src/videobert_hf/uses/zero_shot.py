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
Zero-shot action classification, the paper's protocol: `[CLS] now let me show you how to [MASK] the [MASK] [>] video
[SEP]`, the verb read from the first `[MASK]` and the noun from the second, ranking only the candidate words; and the
same template read from text to video (`zero_shot_by_video_likelihood`): each candidate ranked by how likely the model
finds the segment's visual words when the sentence names it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from ..pipelines_videobert import (
    PAPER_TEMPLATE,
    single_token_ids,
    template_mask_positions,
    text_to_video_query,
    video_likelihood_label_scores,
    vocabulary_logits,
)
from ..processing_videobert import (
    build_videobert_inputs,
    check_shown_codebooks,
    first_clips,
    hide_codebooks,
    num_special_tokens,
    pad_videobert_batch,
    part_positions,
)


@dataclass
class ZeroShotPredictions:
    """Ranked label indices for each segment: `verbs[i]` / `nouns[i]` are the top-k indices into the label lists."""

    verbs: torch.LongTensor
    nouns: torch.LongTensor


def _logits(model, sequences, special, shown, device) -> torch.Tensor:
    """Vocabulary logits of `sequences`, showing only the codebooks `shown` (all when None)."""
    shown_sequences = sequences if shown is None else hide_codebooks(sequences, special, shown)
    return vocabulary_logits(model(**pad_videobert_batch(shown_sequences, special.pad, device=device)))


def _prepare_queries(model, processor, template, verbs, nouns, max_length, verb_codebooks, noun_codebooks, min_video):
    """
    What both readouts check and derive before their queries: the template's ids and the indices of its two `[MASK]`s,
    the candidates' ids, and the positions left for video after the template (an error under `min_video`); puts the
    model in eval mode.
    """
    tokenizer = processor.tokenizer
    template_ids, mask_positions = template_mask_positions(tokenizer, template)
    verb_ids = single_token_ids(tokenizer, verbs, "verb")
    noun_ids = single_token_ids(tokenizer, nouns, "noun")
    check_shown_codebooks("verb_codebooks", verb_codebooks, processor.special_ids.num_codebooks)
    check_shown_codebooks("noun_codebooks", noun_codebooks, processor.special_ids.num_codebooks)
    max_length = max_length or model.config.max_position_embeddings
    video_budget = max_length - len(template_ids) - num_special_tokens(True, True)
    if video_budget < min_video:
        raise ValueError(f"max_length={max_length} leaves no room for video after the template.")
    model.eval()
    return template_ids, mask_positions, verb_ids, noun_ids, video_budget


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
    verb_codebooks: Sequence[int] | None = None,
    noun_codebooks: Sequence[int] | None = None,
    combine_all_words: bool = False,
) -> ZeroShotPredictions:
    """
    The paper's zero-shot protocol: for each video segment (its visual token ids), fill
    `[CLS] <template> [>] <video> [SEP]` and read the verb from the template's first `[MASK]` and the noun from the
    second, ranking only the given verbs and nouns. A segment of `None` (or `[]`) is scored without video — the
    text-only "language prior".

    Args:
        model: a `VideoBertForMaskedLM` or `VideoBertForPreTraining` (anything whose output holds vocabulary logits).
        processor: the `VideoBertProcessor` of the model.
        segments: visual token ids (codebook ids) of each segment; with several codebooks, each clip's words (a list
            of `num_codebooks` ids per clip, or the flat words of whole clips).
        verbs, nouns: candidate labels, each a single WordPiece token.
        template: text with exactly two `[MASK]`s, the verb's first.
        verb_codebooks, noun_codebooks: with several codebooks, the codebooks whose words the verb's (the noun's)
            query sees; the other codebooks' words are `[MASK]` in that query (`hide_codebooks`). `None` (the default,
            the paper's protocol): every word. A factorisation with an action word and an object word (e.g.
            `efficientnet_lite0_surround` / `colour_histogram_centre`) asks each label of its own word, so that an
            unseen combination of two known words is read as two known words (BENCHMARKS.md, "Each label read from
            its own word").
        combine_all_words: with `verb_codebooks` / `noun_codebooks`, rank each label by the product of its candidates'
            softmax in its own codebooks' query and in the query that sees every word (one more forward pass): the
            own word keeps an unseen combination apart, the other words still help on a combination seen in
            training (BENCHMARKS.md, "Both readouts at once").
    """
    special = processor.special_ids
    template_ids, mask_positions, verb_ids, noun_ids, video_budget = _prepare_queries(
        model, processor, template, verbs, nouns, max_length, verb_codebooks, noun_codebooks, 1
    )
    verb_ids, noun_ids = torch.tensor(verb_ids), torch.tensor(noun_ids)
    top_k = min(top_k, len(verbs), len(nouns))
    device = next(model.parameters()).device

    ranked_verbs, ranked_nouns = [], []
    starts = range(0, len(segments), batch_size)
    for start in tqdm(starts, desc="zero-shot classification", disable=not show_progress):
        batch = segments[start : start + batch_size]
        # long segments lose their last clips; the template is never truncated, so the [MASK] positions hold
        sequences = [
            build_videobert_inputs(template_ids, first_clips(s, special, video_budget), special) for s in batch
        ]
        queries = {}  # shown codebooks (None: all) -> vocabulary logits, one forward pass per distinct query
        scores = []
        for slot, (shown, ids) in enumerate(((verb_codebooks, verb_ids), (noun_codebooks, noun_ids))):
            position = part_positions(len(template_ids), 1)[0][mask_positions[slot]]
            keys = [None if shown is None else tuple(shown)]
            if combine_all_words and shown is not None:
                keys.append(None)  # and the query that sees every word
            for key in keys:
                if key not in queries:
                    queries[key] = _logits(model, sequences, special, key, device)
            logits = [queries[key][:, position].float().cpu()[:, ids] for key in keys]
            # two queries: the product of their softmaxes over the candidates (a sum of log-softmaxes)
            scores.append(logits[0] if len(logits) == 1 else logits[0].log_softmax(-1) + logits[1].log_softmax(-1))
        ranked_verbs.append(scores[0].topk(top_k, dim=-1).indices)
        ranked_nouns.append(scores[1].topk(top_k, dim=-1).indices)
    return ZeroShotPredictions(verbs=torch.cat(ranked_verbs), nouns=torch.cat(ranked_nouns))


@torch.no_grad()
def zero_shot_by_video_likelihood(
    model,
    processor,
    segments: Sequence[Sequence[int]],
    verbs: Sequence[str],
    nouns: Sequence[str],
    template: str = PAPER_TEMPLATE,
    top_k: int = 5,
    batch_size: int = 64,
    max_length: int | None = None,
    show_progress: bool = True,
    verb_codebooks: Sequence[int] | None = None,
    noun_codebooks: Sequence[int] | None = None,
) -> ZeroShotPredictions:
    """
    Zero-shot classification read from text to video, a generative classifier: for every pair of candidates (verb,
    noun), `[CLS] <template with both filled in> [>] <the segment's visual words, all [MASK]> [SEP]` is scored by the
    model's log-likelihood of the segment's actual words at their positions. A verb ranks by the likelihood of the
    words of `verb_codebooks`, averaged over the nouns (a uniform prior over them), a noun by that of the words of
    `noun_codebooks`, averaged over the verbs. No label is read from a `[MASK]` of the text, so the question is the one
    a text-to-video model answers: which sentence makes this video likely.

    Use it with a model trained to predict a whole video from its sentence: the text-to-video fine-tune
    (`examples/run_pretraining.py --whole_video_mask_probability 1`, the demo's stage 6). A model pretrained with the
    paper's masking rarely saw a video with every word hidden and reads poorly this way. With an object word and an
    action word per clip (`noun_codebooks=[0]`, `verb_codebooks=[1]`), the action words' likelihood does not depend on
    which object the sentence names beyond what training taught, so an unseen combination of a known verb and a known
    noun is read as both (BENCHMARKS.md, "Read from text to video").

    Args:
        model, processor, verbs, nouns, template, top_k, max_length, show_progress: as for
            `zero_shot_action_classification`.
        segments: visual token ids of each segment, as for `zero_shot_action_classification`; an empty segment is an
            error (there is nothing to score).
        batch_size: sequences per forward pass; each distinct length of segment takes `len(verbs) * len(nouns)`
            sequences (the query holds no visual word, so segments of one length share them).
        verb_codebooks, noun_codebooks: the codebooks whose words score the verb (the noun); `None` (the default):
            every word.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    special = processor.special_ids
    template_ids, mask_positions, verb_ids, noun_ids, video_budget = _prepare_queries(
        model, processor, template, verbs, nouns, max_length, verb_codebooks, noun_codebooks, special.num_codebooks
    )
    top_k = min(top_k, len(verbs), len(nouns))
    device = next(model.parameters()).device
    slots = torch.tensor([[part_positions(len(template_ids), 1)[0][p] for p in mask_positions]])

    # segments with the same masked query (the same number of words) are scored together: they share its passes
    groups = {}
    for index, segment in enumerate(segments):
        if segment is None or len(segment) == 0:
            raise ValueError(f"Segment {index} has no visual tokens: the video-likelihood readout needs a video.")
        query = text_to_video_query(template_ids, first_clips(segment, special, video_budget), special)
        groups.setdefault(tuple(query["input_ids"]), []).append((index, query))
    ranked_verbs, ranked_nouns = [None] * len(segments), [None] * len(segments)
    for group in tqdm(groups.values(), desc="zero-shot classification", disable=not show_progress):
        queries = {name: torch.tensor([query[name] for _, query in group], device=device) for name in group[0][1]}
        queries["attention_mask"] = torch.ones_like(queries["input_ids"])
        verb_scores, noun_scores = video_likelihood_label_scores(
            model, queries, slots.expand(len(group), -1), verb_ids, noun_ids, verb_codebooks, noun_codebooks,
            batch_size,
        )  # fmt: skip
        for (index, _), verb_row, noun_row in zip(group, verb_scores, noun_scores):
            ranked_verbs[index], ranked_nouns[index] = verb_row.topk(top_k).indices, noun_row.topk(top_k).indices
    return ZeroShotPredictions(verbs=torch.stack(ranked_verbs), nouns=torch.stack(ranked_nouns))


__all__ = [
    "PAPER_TEMPLATE",
    "ZeroShotPredictions",
    "single_token_ids",
    "template_mask_positions",
    "zero_shot_action_classification",
    "zero_shot_by_video_likelihood",
]
