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
The uses of a trained VideoBERT: inference APIs on top of the model family, which the pipelines call.

- `zero_shot`: zero-shot action classification with the paper's template, read from its `[MASK]`s or from text to
  video (the likelihood of the segment's words under each candidate sentence);
- `retrieval`: video-text retrieval through the alignment head, or from text to video (how much more likely a
  sentence makes the video's words than the other sentences do);
- `visual_prediction`: text-to-video and forecasting of visual tokens with the fill-mask head;
- `summarization`: a long video as timestamped, captioned steps;
- `storyboard`: visual tokens drawn as their codebook thumbnails;
- `pipelines`: the `transformers` pipelines `videobert-zero-shot-action-classification` and
  `videobert-video-text-retrieval` (registered when `videobert_hf` is imported). They, and the primitives they share
  with these modules (`vocabulary_logits`, `resolve_visual_tokenizer`, `alignment_scores`, the zero-shot template
  helpers), are defined in the model family's flat `videobert_hf.pipelines_videobert`, which checkpoints carry as
  remote code; they are re-exported here.

The model family never imports this package; the benchmark (`videobert_benchmark`) builds its protocols on it.
"""

from .common import resolve_visual_tokenizer, vocabulary_logits
from .retrieval import (
    alignment_probabilities,
    alignment_scores,
    rank_sentences,
    rank_videos,
    video_likelihood_scores,
    video_log_likelihoods,
)
from .storyboard import StoryboardRow, forecast_storyboard, render_storyboard, text_to_video_storyboard
from .summarization import SummaryStep, merge_duplicate_steps, normalize_caption, segment_clips, summarize_video
from .visual_prediction import (
    DECODING_MODES,
    VisualTokenPredictions,
    forecast_visual_tokens,
    predict_masked_visual_tokens,
    predict_masked_visual_tokens_batch,
    text_to_video,
)
from .zero_shot import (
    PAPER_TEMPLATE,
    ZeroShotPredictions,
    single_token_ids,
    template_mask_positions,
    zero_shot_action_classification,
    zero_shot_by_video_likelihood,
)


__all__ = [
    "DECODING_MODES",
    "PAPER_TEMPLATE",
    "StoryboardRow",
    "SummaryStep",
    "VisualTokenPredictions",
    "ZeroShotPredictions",
    "alignment_probabilities",
    "alignment_scores",
    "forecast_storyboard",
    "forecast_visual_tokens",
    "merge_duplicate_steps",
    "normalize_caption",
    "predict_masked_visual_tokens",
    "predict_masked_visual_tokens_batch",
    "rank_sentences",
    "rank_videos",
    "render_storyboard",
    "resolve_visual_tokenizer",
    "segment_clips",
    "single_token_ids",
    "summarize_video",
    "template_mask_positions",
    "text_to_video",
    "text_to_video_storyboard",
    "video_likelihood_scores",
    "video_log_likelihoods",
    "vocabulary_logits",
    "zero_shot_action_classification",
    "zero_shot_by_video_likelihood",
]
