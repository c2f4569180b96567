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
"""What every use needs: the vocabulary scores of a model's output, and the visual tokenizer to use with a model.

Both are defined in the model family's `pipelines_videobert` (the pipelines that checkpoints carry as remote code use
them there) and re-exported here.
"""

from ..pipelines_videobert import resolve_visual_tokenizer, vocabulary_logits


__all__ = [
    "resolve_visual_tokenizer",
    "vocabulary_logits",
]
