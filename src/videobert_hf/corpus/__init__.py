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
Reading a video corpus and turning its videos into visual tokens: the transcript formats users have (YouCook II,
HowTo100M), the videos of a folder, and a video streamed through the video processor and the visual tokenizer. The
data scripts (`examples/build_visual_vocabulary.py`, `examples/tokenize_videos.py`) and the pipelines build on it.
"""

from .clips import (
    check_clip_features,
    denormalize_frames,
    iter_clip_features,
    load_clip_features,
    tokenize_video,
)
from .readers import (
    VIDEO_EXTENSIONS,
    AnnotationFormatError,
    SkippedSentence,
    TimedSentence,
    Transcripts,
    VideoFiles,
    find_videos,
    read_howto100m_captions,
    read_transcripts,
    read_youcook2,
)
from .rows import TOKENIZED_COLUMNS, tokenized_row, visual_tokens
from .stream import (
    DEFAULT_DECODE_TIMEOUT,
    VideoClipFeatures,
    encode_clips,
    place_visual_tokenizer,
    resolve_device,
    resolve_dtype,
    stream_clip_features,
)


__all__ = [
    "DEFAULT_DECODE_TIMEOUT",
    "TOKENIZED_COLUMNS",
    "VideoClipFeatures",
    "encode_clips",
    "place_visual_tokenizer",
    "resolve_device",
    "resolve_dtype",
    "stream_clip_features",
    "tokenized_row",
    "visual_tokens",
    "VIDEO_EXTENSIONS",
    "AnnotationFormatError",
    "SkippedSentence",
    "TimedSentence",
    "Transcripts",
    "VideoFiles",
    "check_clip_features",
    "denormalize_frames",
    "find_videos",
    "iter_clip_features",
    "load_clip_features",
    "read_howto100m_captions",
    "read_transcripts",
    "read_youcook2",
    "tokenize_video",
]
