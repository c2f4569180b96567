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
"""VideoBERT (Sun et al., ICCV 2019) as a Hugging Face transformers model package.

Three layers, dependencies pointing down:

- the uses (`videobert_hf.uses`): zero-shot classification, retrieval, text-to-video, forecasting, summarization,
  storyboards and the pipelines, on top of a trained model;
- the corpus (`videobert_hf.corpus`): transcript formats and videos streamed into visual tokens, for the data scripts;
- the model family (the modules of this folder): configurations, models, visual tokenizer, video processor,
  processor, data collator, and the pipelines (`pipelines_videobert`, which `videobert_hf.uses` re-exports); what
  `save_pretrained` copies into a checkpoint for remote code. They import only each other (relatively) and
  transformers.

Importing the package registers its classes with transformers' Auto classes (so that `AutoConfig` / `AutoModel` /
`AutoModelForPreTraining` / `AutoModelForMaskedLM` ... load VideoBERT checkpoints) and its pipelines.
"""

from .configuration_videobert import VideoBertConfig, VideoBertVisualTokenizerConfig
from .modeling_videobert import (
    VideoBertForConditionalGeneration,
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
from .video_processing_videobert import VideoBertVideoProcessor, VideoDecodingError
from .visual_tokenizer_videobert import NonFiniteFeaturesError, VideoBertVisualTokenizer


__version__ = "0.1.0"


__all__ = [
    "NonFiniteFeaturesError",
    "VideoBertConfig",
    "VideoBertForConditionalGeneration",
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
]

# Every public class is registered with its Auto class, locally and for remote code, so that `save_pretrained` copies
# the model code and writes `auto_map` (`AutoX.from_pretrained(..., trust_remote_code=True)` without this package).
# The table of Auto classes lives in `hub_videobert.MODEL_AUTO_CLASSES`.
from .hub_videobert import build_model_card, push_videobert_to_hub, register_for_auto_classes  # noqa: E402


register_for_auto_classes()
__all__ += ["build_model_card", "push_videobert_to_hub", "register_for_auto_classes"]

from . import pipelines_videobert  # noqa: E402, F401  (registers the videobert-* pipelines)
