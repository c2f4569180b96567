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
"""VideoBertForConditionalGeneration: transformers' common model tests and generation behaviour (cache, beams, sampling)."""

import tempfile
import unittest

import torch
from transformers import AutoModelForSeq2SeqLM

from tests.transformers_common import GenerationTesterMixin, ModelTesterMixin, ids_tensor
from videobert_hf import VideoBertConfig, VideoBertForConditionalGeneration, VideoBertForPreTraining

from .helpers.tiny import TINY_LAYERS


TEXT_VOCAB, LEVELS, BRANCHING = 90, 2, 3
CLS, SEP, PAD = 1, 2, 0


def tiny_config(**kwargs):
    defaults = dict(
        text_vocab_size=TEXT_VOCAB,
        visual_levels=LEVELS,
        visual_branching=BRANCHING,
        **TINY_LAYERS,
        max_position_embeddings=64,
        decoder_start_token_id=CLS,
        eos_token_id=SEP,
        pad_token_id=PAD,
    )
    defaults.update(kwargs)
    return VideoBertConfig(**defaults)


def video_inputs(batch_size=2, num_clips=6, seed=0):
    """`[CLS] v1 ... vn [SEP]` with token types 0 / 1 ... 1 / 0, as the processor builds for video alone."""
    generator = torch.Generator().manual_seed(seed)
    offset = TEXT_VOCAB + 2
    visual = torch.randint(offset, offset + BRANCHING**LEVELS, (batch_size, num_clips), generator=generator)
    input_ids = torch.cat([torch.full((batch_size, 1), CLS), visual, torch.full((batch_size, 1), SEP)], dim=1)
    token_type_ids = torch.zeros_like(input_ids)
    token_type_ids[:, 1:-1] = 1
    return {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": torch.ones_like(input_ids)}


class VideoBertForConditionalGenerationTester:
    def __init__(self, parent, batch_size=4, encoder_seq_length=7, decoder_seq_length=5, is_training=True):
        self.parent = parent
        self.batch_size = batch_size
        self.seq_length = encoder_seq_length
        self.encoder_seq_length = encoder_seq_length
        self.decoder_seq_length = decoder_seq_length
        self.key_length = encoder_seq_length
        self.decoder_key_length = decoder_seq_length
        self.hidden_size = 32
        self.num_hidden_layers = 2
        self.num_attention_heads = 4
        self.vocab_size = TEXT_VOCAB + 2 + BRANCHING**LEVELS
        self.pad_token_id = PAD
        self.is_training = is_training

    def get_config(self):
        return tiny_config(is_encoder_decoder=True)

    def prepare_config_and_inputs_for_common(self):
        input_ids = ids_tensor([self.batch_size, self.encoder_seq_length], self.vocab_size)
        token_type_ids = ids_tensor([self.batch_size, self.encoder_seq_length], 2)
        attention_mask = torch.ones_like(input_ids)
        attention_mask[:, -2:] = ids_tensor([self.batch_size, 2], 2)
        decoder_input_ids = ids_tensor([self.batch_size, self.decoder_seq_length], TEXT_VOCAB)
        inputs = {
            "input_ids": input_ids,
            "token_type_ids": token_type_ids,
            "attention_mask": attention_mask,
            "decoder_input_ids": decoder_input_ids,
            "decoder_attention_mask": torch.ones_like(decoder_input_ids),
        }
        return self.get_config(), inputs


class VideoBertForConditionalGenerationTest(ModelTesterMixin, GenerationTesterMixin, unittest.TestCase):
    all_model_classes = (VideoBertForConditionalGeneration,)
    is_encoder_decoder = True
    test_can_init_all_missing_weights_before_2023 = True

    def setUp(self):
        self.model_tester = VideoBertForConditionalGenerationTester(self)

    @unittest.skip(
        reason="the mixin shrinks the joint vocabulary below text_vocab_size, the caption head's output size"
    )
    def test_resize_tokens_embeddings(self):
        pass

    def _prepare_for_class(self, inputs_dict, model_class, return_labels=False):
        inputs_dict = super()._prepare_for_class(inputs_dict, model_class, return_labels=return_labels)
        if return_labels:
            shape = (self.model_tester.batch_size, self.model_tester.decoder_seq_length)
            inputs_dict["labels"] = torch.zeros(shape, dtype=torch.long)
        return inputs_dict


class VideoBertGenerationBehaviourTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.model = VideoBertForConditionalGeneration(tiny_config()).eval()
        # a random decoder stops at [SEP] by chance only: keep generating so that the cache is exercised
        self.inputs = video_inputs()

    def test_cached_and_uncached_greedy_agree(self):
        kwargs = dict(max_new_tokens=12, min_new_tokens=12, do_sample=False)
        cached = self.model.generate(**self.inputs, use_cache=True, **kwargs)
        uncached = self.model.generate(**self.inputs, use_cache=False, **kwargs)
        self.assertEqual(cached.shape, (2, 13))
        self.assertTrue(torch.equal(cached, uncached))
        self.assertTrue((cached[:, 0] == CLS).all())
        self.assertTrue((cached < TEXT_VOCAB).all())

    def test_cached_and_uncached_beam_search_agree(self):
        kwargs = dict(max_new_tokens=8, num_beams=3, num_return_sequences=3, do_sample=False)
        cached = self.model.generate(**self.inputs, use_cache=True, **kwargs)
        uncached = self.model.generate(**self.inputs, use_cache=False, **kwargs)
        self.assertEqual(cached.shape[0], 2 * 3)
        self.assertTrue(torch.equal(cached, uncached))

    def test_sampling_is_seeded(self):
        kwargs = dict(max_new_tokens=8, do_sample=True, top_k=20)
        torch.manual_seed(1)
        first = self.model.generate(**self.inputs, **kwargs)
        torch.manual_seed(1)
        second = self.model.generate(**self.inputs, **kwargs)
        self.assertTrue(torch.equal(first, second))

    def test_save_and_reload_through_auto_class(self):
        kwargs = dict(max_new_tokens=8, num_beams=2)
        before = self.model.generate(**self.inputs, **kwargs)
        with tempfile.TemporaryDirectory() as tmp:
            self.model.save_pretrained(tmp)
            reloaded = AutoModelForSeq2SeqLM.from_pretrained(tmp).eval()
        self.assertIsInstance(reloaded, VideoBertForConditionalGeneration)
        self.assertEqual(reloaded.generation_config.decoder_start_token_id, CLS)
        self.assertEqual(reloaded.generation_config.eos_token_id, SEP)
        self.assertTrue(torch.equal(before, reloaded.generate(**self.inputs, **kwargs)))

    def test_labels_loss_and_shift(self):
        labels = torch.tensor([[5, 6, SEP, -100], [7, 8, 9, SEP]])
        decoder_input_ids = self.model.prepare_decoder_input_ids_from_labels(labels)
        self.assertEqual(decoder_input_ids.tolist(), [[CLS, 5, 6, SEP], [CLS, 7, 8, 9]])
        outputs = self.model(**self.inputs, labels=labels)
        self.assertEqual(outputs.logits.shape, (2, 4, TEXT_VOCAB))
        self.assertTrue(torch.isfinite(outputs.loss))

    def test_word_embeddings_are_tied(self):
        decoder = self.model.model.decoder.embeddings.word_embeddings.weight
        self.assertIs(decoder, self.model.model.encoder.embeddings.word_embeddings.weight)

    def test_caption_longer_than_the_decoder_allows(self):
        labels = torch.full((2, 65), 5)
        with self.assertRaisesRegex(ValueError, "max_position_embeddings=64"):
            self.model(**self.inputs, labels=labels)

    def test_labels_outside_text_vocabulary(self):
        with self.assertRaisesRegex(ValueError, rf"^labels must hold .* in \[0, {TEXT_VOCAB}\)"):
            self.model(**self.inputs, labels=torch.full((2, 3), TEXT_VOCAB + 3))

    def test_decoder_input_ids_outside_the_vocabulary(self):
        vocab_size = self.model.config.vocab_size
        decoder_input_ids = torch.tensor([[CLS, 5, vocab_size], [CLS, 6, 7]])
        with self.assertRaisesRegex(
            ValueError, rf"^decoder_input_ids must hold .* in \[0, {vocab_size}\), got values in \[1, {vocab_size}\]"
        ):
            self.model(**self.inputs, decoder_input_ids=decoder_input_ids)

    def test_num_beams_larger_than_vocabulary(self):
        with self.assertRaisesRegex(ValueError, "num_beams=91 is larger than the caption vocabulary"):
            self.model.generate(**self.inputs, num_beams=TEXT_VOCAB + 1, max_new_tokens=2)

    def test_decoder_token_ids_must_be_text_ids(self):
        with self.assertRaisesRegex(ValueError, "decoder_start_token_id=101"):
            VideoBertForConditionalGeneration(tiny_config(decoder_start_token_id=101))

    def test_from_videobert_pretrained_transfers_weights(self):
        pretraining = VideoBertForPreTraining(tiny_config()).eval()
        model = VideoBertForConditionalGeneration.from_videobert_pretrained(pretraining, decoder_num_hidden_layers=1)
        model.eval()
        self.assertEqual(len(model.model.decoder.layer), 1)
        source, target = pretraining.state_dict(), model.state_dict()
        for key in ("encoder.layer.1.attention.self.query.weight", "embeddings.word_embeddings.weight"):
            self.assertTrue(torch.equal(source[f"videobert.{key}"], target[f"model.encoder.{key}"]))
        self.assertTrue(
            torch.equal(
                source["videobert.encoder.layer.0.output.dense.weight"],
                target["model.decoder.layer.0.output.dense.weight"],
            )
        )
        self.assertTrue(torch.equal(source["cls.predictions.bias"][:TEXT_VOCAB], target["lm_head.bias"]))
        expected = (
            source["videobert.embeddings.position_embeddings.weight"]
            + source["videobert.embeddings.token_type_embeddings.weight"][0]
        )
        self.assertTrue(torch.allclose(expected, target["model.decoder.embeddings.position_embeddings.weight"]))
        # same encoder states as the pretrained encoder
        inputs = video_inputs()
        with torch.no_grad():
            encoded = model.get_encoder()(**inputs).last_hidden_state
            reference = pretraining.videobert(**inputs).last_hidden_state
        self.assertTrue(torch.allclose(encoded, reference, atol=1e-6))
