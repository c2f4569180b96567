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
"""Proves tests/transformers_common.py works: transformers' own ModelTesterMixin / ConfigTester, run on BERT.

The transformers sdist ships only the top-level `tests/*_common.py` files, not `tests/models/bert/test_modeling_bert.py`,
so the BERT model tester below is a compact local port of upstream's `BertModelTester` (same tiny config: 2 layers,
hidden 32, vocab 99). The mixin is the real one, on a real transformers model: if these pass, failures in our own model
tests come from our model, not from the harness.
"""

import sys
import unittest

import pytest
import torch
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertForMultipleChoice,
    BertForNextSentencePrediction,
    BertForPreTraining,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertLMHeadModel,
    BertModel,
)
from transformers.testing_utils import torch_device

from tests import transformers_common
from tests.transformers_common import (
    ConfigTester,
    GenerationTesterMixin,
    ModelTesterMixin,
    ids_tensor,
    random_attention_mask,
)


class BertModelTester:
    def __init__(
        self,
        parent,
        batch_size=13,
        seq_length=7,
        is_training=True,
        vocab_size=99,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=512,
        type_vocab_size=16,
        type_sequence_label_size=2,
        num_labels=3,
        num_choices=4,
    ):
        self.parent = parent
        self.batch_size = batch_size
        self.seq_length = seq_length
        self.is_training = is_training
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.type_sequence_label_size = type_sequence_label_size
        self.num_labels = num_labels
        self.num_choices = num_choices

    def get_config(self):
        return BertConfig(
            vocab_size=self.vocab_size,
            hidden_size=self.hidden_size,
            num_hidden_layers=self.num_hidden_layers,
            num_attention_heads=self.num_attention_heads,
            intermediate_size=self.intermediate_size,
            hidden_act="gelu",
            hidden_dropout_prob=0.1,
            attention_probs_dropout_prob=0.1,
            max_position_embeddings=self.max_position_embeddings,
            type_vocab_size=self.type_vocab_size,
            is_decoder=False,
            initializer_range=0.02,
        )

    def prepare_config_and_inputs(self):
        input_ids = ids_tensor([self.batch_size, self.seq_length], self.vocab_size)
        input_mask = random_attention_mask([self.batch_size, self.seq_length])
        token_type_ids = ids_tensor([self.batch_size, self.seq_length], self.type_vocab_size)
        return self.get_config(), input_ids, token_type_ids, input_mask

    def prepare_config_and_inputs_for_common(self):
        config, input_ids, token_type_ids, input_mask = self.prepare_config_and_inputs()
        return config, {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": input_mask}

    def create_and_check_model(self, config, input_ids, token_type_ids, input_mask):
        model = BertModel(config=config).to(torch_device).eval()
        result = model(input_ids, attention_mask=input_mask, token_type_ids=token_type_ids)
        self.parent.assertEqual(result.last_hidden_state.shape, (self.batch_size, self.seq_length, self.hidden_size))
        self.parent.assertEqual(result.pooler_output.shape, (self.batch_size, self.hidden_size))


class BertModelTest(ModelTesterMixin, GenerationTesterMixin, unittest.TestCase):
    """The whole mixin (minus half-precision SDPA variants, see the bottom of the file) on three BERT classes."""

    # BertLMHeadModel can `generate`, hence the GenerationTesterMixin stand-in
    # (`test_generation_tester_mixin_inheritance` checks the inheritance either way).
    all_model_classes = (BertModel, BertForMaskedLM, BertLMHeadModel)

    def setUp(self):
        self.model_tester = BertModelTester(self)
        self.config_tester = ConfigTester(self, config_class=BertConfig, hidden_size=37)

    def test_config(self):
        self.config_tester.run_common_tests()

    def test_model(self):
        self.model_tester.create_and_check_model(*self.model_tester.prepare_config_and_inputs())


class BertOtherHeadsTest(ModelTesterMixin, unittest.TestCase):
    """The remaining BERT heads, on a representative subset of the mixin (forward, save/load, training, labels)."""

    # Together with BertModelTest, this covers every label branch of `ModelTesterMixin._prepare_for_class`.
    all_model_classes = (
        BertForPreTraining,
        BertForNextSentencePrediction,
        BertForQuestionAnswering,
        BertForTokenClassification,
        BertForSequenceClassification,
        BertForMultipleChoice,
    )
    # The rest of the mixin runs once, in BertModelTest (runtime budget).
    _KEEP = {
        "test_training",
        "test_save_load",
        "test_problem_types",
        "test_hidden_states_output",
        "test_num_layers_is_small",
        "test_model_is_small",
    }

    def setUp(self):
        self.model_tester = BertModelTester(self)

    def _prepare_for_class(self, inputs_dict, model_class, return_labels=False):
        # The hook every model with heads outside the `MODEL_FOR_*_MAPPING_NAMES` label branches needs (upstream's
        # BertModelTest does the same): BertForPreTraining takes two label tensors, which the mixin doesn't know.
        inputs_dict = super()._prepare_for_class(inputs_dict, model_class, return_labels=return_labels)
        if return_labels and model_class is BertForPreTraining:
            batch_size, seq_length = self.model_tester.batch_size, self.model_tester.seq_length
            inputs_dict["labels"] = torch.zeros((batch_size, seq_length), dtype=torch.long, device=torch_device)
            inputs_dict["next_sentence_label"] = torch.zeros(batch_size, dtype=torch.long, device=torch_device)
        return inputs_dict


def _drop_tests(cls, predicate):
    """Deselect inherited tests: unittest (and pytest's unittest collector) only run *callable* `test_*` attributes."""
    for name in dir(cls):
        if name.startswith("test_") and predicate(name):
            setattr(cls, name, None)


# Runtime budget: the 16 fp16/bf16 variants of test_eager_matches_sdpa_inference (~1.5 s each on this CPU) are dropped;
# the fp32 ones (and the output_attentions ones) stay.
_drop_tests(
    BertModelTest,
    lambda name: name.startswith("test_eager_matches_sdpa_inference_") and ("_fp16_" in name or "_bf16_" in name),
)
_drop_tests(BertOtherHeadsTest, lambda name: name not in BertOtherHeadsTest._KEEP)


# ----------------------------------------------------------------------------------------------------------------------
# The harness itself


def test_harness_exports_and_layout():
    import transformers

    from tests.transformers_common import (  # noqa: F401 - importability is the test
        ProcessorTesterMixin,
        VideoProcessingTestMixin,
        _config_zero_init,
        floats_tensor,
    )

    target = transformers_common.ensure_transformers_tests()
    assert target.name == f"transformers-tests-{transformers.__version__}"
    assert (target / ".stamp").read_text().strip() == transformers_common._stamp(transformers.__version__)
    for name in transformers_common.REQUIRED_FILES:
        assert (target / "transformers_tests" / name).is_file()
    # the subset kept in BertOtherHeadsTest still exists in this transformers version
    assert all(callable(getattr(ModelTesterMixin, name, None)) for name in BertOtherHeadsTest._KEEP)
    # the mixins really are transformers' sdist code, loaded from the cache folder
    assert ModelTesterMixin.__module__ == "transformers_tests.test_modeling_common"
    assert sys.modules[ProcessorTesterMixin.__module__].__file__.startswith(str(target))
    assert VideoProcessingTestMixin.__module__ == "transformers_tests.test_video_processing_common"
    assert floats_tensor([2, 3]).shape == (2, 3)
    assert not list(target.parent.glob(f".tmp-{target.name}-*")), "a temporary build folder was left behind"


def test_failed_download_names_the_command(tmp_path, monkeypatch):
    import subprocess

    monkeypatch.delenv(transformers_common.SDIST_ENV, raising=False)
    monkeypatch.setattr(transformers_common, "CACHE_ROOT", tmp_path)

    def fake_run(cmd, **kwargs):
        return subprocess.CompletedProcess(cmd, 1, stdout="", stderr="ERROR: No matching distribution found")

    monkeypatch.setattr(transformers_common.subprocess, "run", fake_run)
    with pytest.raises(transformers_common.TransformersTestsUnavailable) as err:
        transformers_common.ensure_transformers_tests("0.0.0")
    message = str(err.value)
    assert "pip download --no-binary :all: --no-deps transformers==0.0.0" in message
    assert "No matching distribution found" in message
    # nothing half-built
    assert not (tmp_path / "transformers-tests-0.0.0").exists()
    assert not list(tmp_path.glob(".tmp-*"))


def test_markers_used_by_the_common_files_are_registered(pytestconfig):
    import re

    target = transformers_common.ensure_transformers_tests()
    used = set()
    for name in transformers_common.REQUIRED_FILES:
        used |= set(
            re.findall(r"\bmark\.([A-Za-z_][A-Za-z0-9_]*)", (target / "transformers_tests" / name).read_text())
        )
    registered = {line.split(":")[0].strip() for line in pytestconfig.getini("markers")}
    assert used - registered == set(), "add these to PYTEST_MARKERS in tests/transformers_common.py"
