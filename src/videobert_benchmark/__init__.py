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
The benchmark of `videobert_hf`, apart from the model package: a seeded generator of synthetic instructional videos
(`synthetic`, with its MP4 writer `video_writer`), the evaluation protocols on annotated splits (`evaluation`:
zero-shot, retrieval, text-to-video, forecasting, each beside the baseline it must beat), the COCO caption metrics
(`caption_metrics`) and the result tables (`tables`). It depends on `videobert_hf`; `videobert_hf` never imports it.
"""
