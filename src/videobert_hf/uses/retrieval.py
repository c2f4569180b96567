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

from ..pipelines_videobert import (
    alignment_probabilities,
    alignment_scores,
    video_likelihood_scores,
    video_log_likelihoods,
)


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
