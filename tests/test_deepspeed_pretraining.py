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
examples/run_pretraining.py under DeepSpeed ZeRO-2 in 2 CPU processes (`torchrun`, gloo), against DDP, and across a
SIGKILL. DeepSpeed is not a dependency of the project: the file is skipped where `deepspeed` is not importable (as in
`make test`); it ran with deepspeed 0.19.8 in a virtual environment of its own (see README, "Training on several GPUs").

DeepSpeed is set through `Trainer` as for any script: `--deepspeed ds_config.json` with README's ZeRO-2 config, plus
`--use_cpu --ddp_backend gloo` (accelerate then makes the processes DeepSpeed ones over gloo; DeepSpeed picks its CPU
accelerator). The tiny model, dataset and subprocess runner are tests/test_distributed_pretraining.py's. Four
`torchrun` runs of 2 processes, 6 steps with a checkpoint every 3: DDP, ZeRO-2, and ZeRO-2 SIGKILLed on every rank right
after checkpoint 3 (tests/helpers/kill_after_save.py), then started again with the same command.

- `test_zero2_losses_and_weights_match_ddp`: every step's loss and gradient norm, and the final weights, equal DDP's to
  float32 tolerance.
- `test_zero2_checkpoint_partitions_the_optimizer`: checkpoint 3 holds DeepSpeed's checkpoint, one optimizer partition
  per rank, each with half of the float32 master weights.
- `test_zero2_resume_after_sigkill_matches_uninterrupted_run`: the killed run resumes to the uninterrupted run's weights.
"""

import json
import shutil

import pytest
import torch

from tests.test_distributed_pretraining import (
    COMMON,
    HELPERS,
    TINY_MODEL,
    Runs,
    log_history,
    make_tiny_dataset,
)


pytest.importorskip("deepspeed", reason="DeepSpeed is not installed (it is not a dependency of the project)")

TORCHRUN = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
# README's ZeRO-2 configuration
DS_CONFIG = {
    "bf16": {"enabled": "auto"},
    "gradient_accumulation_steps": "auto",
    "gradient_clipping": "auto",
    "train_batch_size": "auto",
    "train_micro_batch_size_per_gpu": "auto",
    "zero_optimization": {
        "stage": 2,
        "overlap_comm": True,
        "contiguous_gradients": True,
        "reduce_bucket_size": "auto",
    },
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("deepspeed_pretraining")
    dataset = root / "dataset"
    make_tiny_dataset(dataset)
    (root / "ds_config.json").write_text(json.dumps(DS_CONFIG))
    runs = Runs(root)
    args = ["--dataset_path", str(dataset), *TINY_MODEL, *COMMON, "--ddp_backend", "gloo"]
    args += ["--max_steps", "6", "--save_steps", "3", "--learning_rate", "1e-3"]
    zero2 = [*args, "--deepspeed", str(root / "ds_config.json")]
    runs.start("ddp", [*TORCHRUN, "examples/run_pretraining.py", *args, "--output_dir", str(root / "ddp")])
    runs.start("zero2", [*TORCHRUN, "examples/run_pretraining.py", *zero2, "--output_dir", str(root / "zero2")])
    resumed = root / "resumed"
    killed = [*TORCHRUN, str(HELPERS / "kill_after_save.py"), "3", *zero2, "--output_dir", str(resumed)]
    runs.start_and_resume_when_killed(killed, resumed)
    yield runs
    runs.kill_all()
    shutil.rmtree(root, ignore_errors=True)


def final_weights(output_dir):
    from safetensors.torch import load_file

    return load_file(output_dir / "model.safetensors")


def test_zero2_losses_and_weights_match_ddp(runs):
    from transformers import AutoModelForPreTraining

    runs.wait("zero2")
    runs.wait("ddp")
    ddp, zero2 = log_history(runs.root / "ddp"), log_history(runs.root / "zero2")
    assert [row[0] for row in zero2] == [1, 2, 3, 4, 5, 6] == [row[0] for row in ddp]
    torch.testing.assert_close(torch.tensor([row[1] for row in zero2]), torch.tensor([row[1] for row in ddp]))
    # the gradient norm is a float32 sum of ~1M squares, taken in another order (per partition, then across ranks)
    norms = torch.tensor([row[2] for row in zero2]), torch.tensor([row[2] for row in ddp])
    torch.testing.assert_close(*norms, rtol=3e-5, atol=0)
    expected = AutoModelForPreTraining.from_pretrained(runs.root / "ddp").state_dict()
    actual = AutoModelForPreTraining.from_pretrained(runs.root / "zero2").state_dict()
    assert actual.keys() == expected.keys()
    for name, tensor in expected.items():
        torch.testing.assert_close(actual[name], tensor, msg=lambda m, n=name: f"{n}: {m}")


def test_zero2_checkpoint_partitions_the_optimizer(runs):
    runs.wait("zero2")
    checkpoint = runs.root / "zero2" / "checkpoint-3"
    assert (checkpoint / "latest").read_text().strip() == "global_step3"
    step = checkpoint / "global_step3"
    assert {path.name for path in step.iterdir()} == {
        "mp_rank_00_model_states.pt",
        "zero_pp_rank_0_mp_rank_00_optim_states.pt",
        "zero_pp_rank_1_mp_rank_00_optim_states.pt",
    }
    assert {"rng_state_0.pth", "rng_state_1.pth", "scheduler.pt", "model.safetensors"} <= {
        path.name for path in checkpoint.iterdir()
    }
    runs.wait("ddp")
    total = sum(tensor.numel() for tensor in final_weights(runs.root / "ddp").values())  # tied weights once
    partitions = []
    for rank in (0, 1):
        state = torch.load(step / f"zero_pp_rank_{rank}_mp_rank_00_optim_states.pt", weights_only=False)
        optimizer = state["optimizer_state_dict"]
        assert optimizer["zero_stage"] == 2 and optimizer["partition_count"] == [2] * len(optimizer["partition_count"])
        partitions.append(sum(group.numel() for group in optimizer["single_partition_of_fp32_groups"]))
    # each rank keeps half of the float32 master weights (the partitions are padded to equal sizes)
    assert partitions[0] == partitions[1] and 0 <= 2 * partitions[0] - total < 64


def test_zero2_resume_after_sigkill_matches_uninterrupted_run(runs):
    runs.wait("killed", expected_rc=1)  # torchrun's own code when its workers die
    assert (runs.root / "killed.log").read_text().count("Signal 9 (SIGKILL) received") == 2
    runs.resumer.join(timeout=30)
    assert "checkpoint-3" in runs.after_kill and "model.safetensors" not in runs.after_kill
    runs.wait("resume")
    runs.wait("zero2")
    expected, actual = final_weights(runs.root / "zero2"), final_weights(runs.root / "resumed")
    assert actual.keys() == expected.keys()
    for name, tensor in expected.items():
        torch.testing.assert_close(actual[name], tensor, msg=lambda m, n=name: f"{n}: {m}")
    assert log_history(runs.root / "resumed")[-3:] == log_history(runs.root / "zero2")[-3:]
