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
The `transformers` pipelines of VideoBERT's uses: `"videobert-zero-shot-action-classification"` and
`"videobert-video-text-retrieval"`.

They live in the model family's flat module `videobert_hf.pipelines_videobert`, which checkpoints carry as remote code
(`config.custom_pipelines`); this module re-exports them. See that module for how they load by name and batch.
"""

from ..pipelines_videobert import (
    RETRIEVAL_TASK,
    ZERO_SHOT_TASK,
    VideoBertVideoTextRetrievalPipeline,
    VideoBertZeroShotActionClassificationPipeline,
)


__all__ = [
    "RETRIEVAL_TASK",
    "ZERO_SHOT_TASK",
    "VideoBertVideoTextRetrievalPipeline",
    "VideoBertZeroShotActionClassificationPipeline",
]
