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
Video-text retrieval, two ways: through the linguistic-visual alignment head (P(aligned) of each (sentence, video)
pair, `alignment_scores`), or from text to video with the fill-mask head (how much more likely a sentence makes a
video's visual words than the other sentences do, `video_likelihood_scores`); and rankings.
"""

from collections.abc import Sequence

import torch
from tqdm.auto import tqdm

from ..pipelines_videobert import (
    alignment_probabilities,
    alignment_scores,
    retrieval_sentence_ids,
    text_to_video_query,
    vocabulary_logits,
)
from ..processing_videobert import pad_videobert_batch


@torch.no_grad()
def video_log_likelihoods(
    model,
    processor,
    texts: Sequence[str] | Sequence[Sequence[int]],
    videos: Sequence[Sequence[int]],
    batch_size: int = 64,
    max_length: int | None = None,
    show_progress: bool = True,
) -> torch.FloatTensor:
    """
    `log p(video | sentence)` of every (sentence, video) pair as a `[len(texts), len(videos)]` matrix: the fill-mask
    head's log-probabilities (over the joint vocabulary) of the video's actual visual words, summed, in the query
    `[CLS] sentence [>] [MASK] x n [SEP]` where every visual word is masked (`text_to_video_query`: what text-to-video
    asks, and what a text-to-video fine-tune trains). A pair longer than `max_length` (default: the model's
    `max_position_embeddings`) keeps the video's first whole clips, and only their words are scored.

    The query holds no visual word, so it depends on the sentence and the number of masked words only: one forward
    pass serves every video of that length, and the cost grows with sentences x distinct lengths, not with the pairs.

    Args:
        model: a `VideoBertForMaskedLM` or `VideoBertForPreTraining` (best a text-to-video fine-tune).
        processor: the `VideoBertProcessor` of the model.
        texts: sentences, or their WordPiece ids (without special tokens).
        videos: visual token ids (codebook ids, or a list of words per clip) of each video; none may be empty.
        batch_size: distinct queries per forward pass.
    """
    text_ids = retrieval_sentence_ids(processor, texts, videos, batch_size)
    special = processor.special_ids
    max_length = max_length or model.config.max_position_embeddings
    device = next(model.parameters()).device
    model.eval()

    # the distinct masked queries, and for each pair its query and the ids it scores
    queries, pairs = {}, []
    for row, sentence in enumerate(text_ids):
        for column, video in enumerate(videos):
            query = text_to_video_query(sentence, video, special, max_length)
            key = tuple(query["input_ids"])
            if key not in queries:
                visual = [i for i, codebook in enumerate(query["word_codebooks"]) if codebook]
                queries[key] = (len(queries), query["token_type_ids"], visual)
            targets = [query["target_ids"][i] for i in queries[key][2]]
            pairs.append((row, column, queries[key][0], targets))
    log_probs = [None] * len(queries)  # per query: [its visual words, vocabulary]
    ordered = list(queries.items())
    for start in tqdm(range(0, len(ordered), batch_size), desc="video likelihoods", disable=not show_progress):
        chunk = ordered[start : start + batch_size]
        batch = pad_videobert_batch([(list(key), types) for key, (_, types, _) in chunk], special.pad, device=device)
        logits = vocabulary_logits(model(**batch))
        for row, (_, (index, _, visual)) in enumerate(chunk):
            log_probs[index] = logits[row, visual].float().log_softmax(-1).cpu()
    scores = torch.empty(len(text_ids), len(videos))
    for row, column, index, targets in pairs:
        scores[row, column] = log_probs[index].gather(-1, torch.tensor(targets)[:, None]).sum()
    return scores


def video_likelihood_scores(log_likelihoods: torch.Tensor) -> torch.FloatTensor:
    """
    Retrieval scores from `video_log_likelihoods` (`[sentences, videos]`): the pointwise mutual information
    `log p(video | sentence) - log p(video)`, with `p(video)` the mean of `p(video | sentence')` over the candidate
    sentences (a uniform prior over them). Ranking the sentences for a video this is the likelihood itself (the same
    `p(video)` for every sentence); ranking the videos for a sentence it removes what makes a video likely under any
    sentence (its length, its common words). Needs at least two sentences: with one, every video scores 0.
    """
    log_likelihoods = torch.as_tensor(log_likelihoods, dtype=torch.float32)
    if log_likelihoods.ndim != 2 or log_likelihoods.shape[0] < 2:
        raise ValueError(
            f"Scores from text to video compare each sentence with the others: need [sentences >= 2, videos], got "
            f"{tuple(log_likelihoods.shape)}."
        )
    marginal = log_likelihoods.logsumexp(dim=0) - torch.log(torch.tensor(float(log_likelihoods.shape[0])))
    return log_likelihoods - marginal


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
    "video_likelihood_scores",
    "video_log_likelihoods",
]
