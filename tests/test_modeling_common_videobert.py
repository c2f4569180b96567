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
"""transformers' own conformance tests (ModelTesterMixin, ConfigTester) on every VideoBERT model class."""

import unittest

import torch
from transformers.models.auto.modeling_auto import MODEL_MAPPING_NAMES

from tests.transformers_common import ConfigTester, ModelTesterMixin, ids_tensor, random_attention_mask
from videobert_hf import (
    VideoBertConfig,
    VideoBertForMaskedLM,
    VideoBertForPreTraining,
    VideoBertForSequenceClassification,
    VideoBertForVideoTextAlignment,
    VideoBertModel,
)


class VideoBertModelTester:
    def __init__(
        self,
        parent,
        batch_size=13,
        seq_length=7,
        text_vocab_size=90,
        visual_vocab_size=9,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=512,
        is_training=True,
    ):
        self.parent = parent
        self.batch_size = batch_size
        self.seq_length = seq_length
        self.text_vocab_size = text_vocab_size
        self.visual_vocab_size = visual_vocab_size
        self.vocab_size = text_vocab_size + 2 + visual_vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.is_training = is_training

    def get_config(self):
        return VideoBertConfig(
            text_vocab_size=self.text_vocab_size,
            visual_vocab_size=self.visual_vocab_size,
            hidden_size=self.hidden_size,
            num_hidden_layers=self.num_hidden_layers,
            num_attention_heads=self.num_attention_heads,
            intermediate_size=self.intermediate_size,
            max_position_embeddings=self.max_position_embeddings,
            hidden_dropout_prob=0.1,
            attention_probs_dropout_prob=0.1,
        )

    def prepare_config_and_inputs(self):
        input_ids = ids_tensor([self.batch_size, self.seq_length], self.vocab_size)
        token_type_ids = ids_tensor([self.batch_size, self.seq_length], 2)
        attention_mask = random_attention_mask([self.batch_size, self.seq_length])
        return self.get_config(), input_ids, token_type_ids, attention_mask

    def prepare_config_and_inputs_for_common(self):
        config, input_ids, token_type_ids, attention_mask = self.prepare_config_and_inputs()
        return config, {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask}


class VideoBertModelTest(ModelTesterMixin, unittest.TestCase):
    all_model_classes = (
        VideoBertModel,
        VideoBertForPreTraining,
        VideoBertForMaskedLM,
        VideoBertForVideoTextAlignment,
        VideoBertForSequenceClassification,
    )
    # our configuration file's copyright year is 2026: run the _init_weights completeness check
    test_can_init_all_missing_weights_before_2023 = True

    @classmethod
    def setUpClass(cls):
        # In-tree models list their bare model in MODEL_MAPPING_NAMES, which the training tests read to skip it (it has
        # no loss); an out-of-tree model gets the same treatment by being listed for the duration of these tests.
        super().setUpClass()
        MODEL_MAPPING_NAMES[VideoBertConfig.model_type] = VideoBertModel.__name__

    @classmethod
    def tearDownClass(cls):
        MODEL_MAPPING_NAMES.pop(VideoBertConfig.model_type, None)
        super().tearDownClass()

    def setUp(self):
        self.model_tester = VideoBertModelTester(self)
        self.config_tester = ConfigTester(
            self, config_class=VideoBertConfig, hidden_size=36, num_attention_heads=4, text_vocab_size=99
        )

    def _prepare_for_class(self, inputs_dict, model_class, return_labels=False):
        # Our classes are not in transformers' MODEL_FOR_*_MAPPING_NAMES, so the mixin cannot add labels for them.
        inputs_dict = super()._prepare_for_class(inputs_dict, model_class, return_labels=return_labels)
        if return_labels:
            batch_size, seq_length = self.model_tester.batch_size, self.model_tester.seq_length
            if model_class in (VideoBertForPreTraining, VideoBertForMaskedLM):
                inputs_dict["labels"] = torch.zeros((batch_size, seq_length), dtype=torch.long, device=torch_device())
            if model_class is VideoBertForPreTraining:
                inputs_dict["alignment_labels"] = torch.zeros(batch_size, dtype=torch.long, device=torch_device())
            if model_class in (VideoBertForVideoTextAlignment, VideoBertForSequenceClassification):
                inputs_dict["labels"] = torch.zeros(batch_size, dtype=torch.long, device=torch_device())
        return inputs_dict

    def test_config(self):
        self.config_tester.run_common_tests()

    def test_model_forward_shapes(self):
        config, inputs = self.model_tester.prepare_config_and_inputs_for_common()
        model = VideoBertModel(config).eval()
        with torch.no_grad():
            outputs = model(**inputs)
        tester = self.model_tester
        self.assertEqual(outputs.last_hidden_state.shape, (tester.batch_size, tester.seq_length, tester.hidden_size))
        self.assertEqual(outputs.pooler_output.shape, (tester.batch_size, tester.hidden_size))


def torch_device():
    return "cpu"
