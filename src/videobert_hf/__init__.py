# Copyright (c) 2018, NVIDIA CORPORATION.  All rights reserved.
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
"""VideoBERT (Sun et al., ICCV 2019) as a Hugging Face transformers model package.

Importing the package registers its classes with transformers' Auto classes, so that
`AutoConfig` / `AutoModel` / `AutoModelForPreTraining` / `AutoModelForMaskedLM` ... load VideoBERT checkpoints.
"""

from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForPreTraining,
    AutoModelForSequenceClassification,
    AutoProcessor,
    AutoVideoProcessor,
)

from .configuration_videobert import VideoBertConfig, VideoBertVisualTokenizerConfig
from .modeling_videobert import (
    VideoBertForMaskedLM,
    VideoBertForPreTraining,
    VideoBertForPreTrainingOutput,
    VideoBertForSequenceClassification,
    VideoBertForVideoTextAlignment,
    VideoBertModel,
    VideoBertPreTrainedModel,
)
from .processing_videobert import (
    VideoBertProcessor,
    VideoBertSpecialIds,
    add_videobert_tokens,
    align_sentences_to_clips,
    build_videobert_inputs,
)
from .video_processing_videobert import VideoBertVideoProcessor, VideoDecodingError, write_video
from .visual_tokenizer_videobert import VideoBertVisualTokenizer


__version__ = "0.1.0"

AutoConfig.register(VideoBertConfig.model_type, VideoBertConfig, exist_ok=True)
AutoConfig.register(VideoBertVisualTokenizerConfig.model_type, VideoBertVisualTokenizerConfig, exist_ok=True)
AutoModel.register(VideoBertConfig, VideoBertModel, exist_ok=True)
AutoModel.register(VideoBertVisualTokenizerConfig, VideoBertVisualTokenizer, exist_ok=True)
AutoModelForPreTraining.register(VideoBertConfig, VideoBertForPreTraining, exist_ok=True)
AutoModelForMaskedLM.register(VideoBertConfig, VideoBertForMaskedLM, exist_ok=True)
AutoModelForSequenceClassification.register(VideoBertConfig, VideoBertForSequenceClassification, exist_ok=True)
AutoVideoProcessor.register(VideoBertConfig, VideoBertVideoProcessor, exist_ok=True)
AutoProcessor.register(VideoBertConfig, VideoBertProcessor, exist_ok=True)

__all__ = [
    "VideoBertConfig",
    "VideoBertForMaskedLM",
    "VideoBertForPreTraining",
    "VideoBertForPreTrainingOutput",
    "VideoBertForSequenceClassification",
    "VideoBertForVideoTextAlignment",
    "VideoBertModel",
    "VideoBertPreTrainedModel",
    "VideoBertProcessor",
    "VideoBertSpecialIds",
    "VideoBertVideoProcessor",
    "VideoBertVisualTokenizer",
    "VideoBertVisualTokenizerConfig",
    "VideoDecodingError",
    "add_videobert_tokens",
    "align_sentences_to_clips",
    "build_videobert_inputs",
    "write_video",
]
