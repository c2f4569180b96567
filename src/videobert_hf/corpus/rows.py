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
One tokenized row per video, the same for every engine of `examples/tokenize_videos.py` (`datasets.map`, the
in-process clip stream, Ray Data): the visual token ids of its clip features, and its sentences' WordPiece ids and
clip spans.
"""

import numpy as np
import torch

from ..processing_videobert import align_sentences_to_clips
from ..visual_tokenizer_videobert import NonFiniteFeaturesError
from .clips import check_clip_features


TOKENIZED_COLUMNS = (
    "sentences",
    "sentence_times",
    "skipped_sentences",
    "visual_ids",
    "clip_times",
    "sentence_text_ids",
    "sentence_clip_spans",
    "error",
)


def visual_tokens(visual_tokenizer, features, clip_times, video_id, path) -> tuple[list[int], list[list[float]], str]:
    """`(visual_ids, clip_times, error)` of a video's clip features: an error for none, or for NaN or inf in them."""
    features, clip_times = np.asarray(features), np.asarray(clip_times)
    if not len(features):
        return [], [], f"{path}: shorter than one clip"
    try:
        check_clip_features(features, clip_times, video_id, path)
    except NonFiniteFeaturesError as error:
        return [], [], str(error)
    return visual_tokenizer.encode(torch.from_numpy(features)).tolist(), clip_times.tolist(), ""


def tokenized_row(processor, sentences, sentence_times, visual_ids, clip_times, error) -> dict:
    """
    The tokenized columns of one video (`TOKENIZED_COLUMNS`): with no `error`, its sentences through
    `processor.encode_sentences` (a sentence without any WordPiece token goes to `skipped_sentences`) and their clip
    spans (`align_sentences_to_clips`); with one, the video's columns are empty and `error` says why.
    """
    text_ids, spans, skipped = [], [], []
    if error:
        visual_ids, clip_times = [], []
    else:
        text_ids = processor.encode_sentences(sentences)
        kept = [i for i, ids in enumerate(text_ids) if ids]
        skipped = [sentences[i] for i in range(len(text_ids)) if not text_ids[i]]  # e.g. only accents
        sentences, sentence_times, text_ids = (
            [values[i] for i in kept] for values in (sentences, sentence_times, text_ids)
        )
        spans = [list(span) for span in align_sentences_to_clips(sentence_times, clip_times)]
    return {
        "sentences": list(sentences),
        "sentence_times": [list(t) for t in sentence_times],
        "skipped_sentences": skipped,
        "visual_ids": list(visual_ids),
        "clip_times": [list(t) for t in clip_times],
        "sentence_text_ids": text_ids,
        "sentence_clip_spans": spans,
        "error": error,
    }
