# Copyright 2026 The videobert_hf authors. Licensed under the Apache License, Version 2.0.
"""VideoBERT (Sun et al., ICCV 2019) as a Hugging Face transformers model package.

Importing the package registers its classes with transformers' Auto classes, so that
`AutoConfig` / `AutoModel` / `AutoModelForPreTraining` / `AutoModelForMaskedLM` ... load VideoBERT checkpoints.
"""

from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoModelForPreTraining

from .configuration_videobert import VideoBertConfig
from .modeling_videobert import (
    VideoBertForMaskedLM,
    VideoBertForPreTraining,
    VideoBertForPreTrainingOutput,
    VideoBertForVideoTextAlignment,
    VideoBertModel,
    VideoBertPreTrainedModel,
)


__version__ = "0.1.0"

AutoConfig.register(VideoBertConfig.model_type, VideoBertConfig, exist_ok=True)
AutoModel.register(VideoBertConfig, VideoBertModel, exist_ok=True)
AutoModelForPreTraining.register(VideoBertConfig, VideoBertForPreTraining, exist_ok=True)
AutoModelForMaskedLM.register(VideoBertConfig, VideoBertForMaskedLM, exist_ok=True)

__all__ = [
    "VideoBertConfig",
    "VideoBertForMaskedLM",
    "VideoBertForPreTraining",
    "VideoBertForPreTrainingOutput",
    "VideoBertForVideoTextAlignment",
    "VideoBertModel",
    "VideoBertPreTrainedModel",
]
