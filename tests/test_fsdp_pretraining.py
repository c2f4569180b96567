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
examples/run_pretraining.py under FSDP in 2 CPU processes (`torchrun`, gloo), against the same run under DDP, and
across a SIGKILL.

The tiny model, dataset and subprocess runner are tests/test_distributed_pretraining.py's. FSDP is set through
`Trainer` (`--fsdp --fsdp_config FILE`), the file being the `fsdp_config` of examples/accelerate_configs/fsdp.yaml
(FSDP1, full shard, one unit per `VideoBertLayer`, sharded state dicts, original parameters) with the two settings
that accelerate refuses on CPU turned off: `sync_module_states` ("FSDP parameter initialization with
`sync_module_states=True` is not supported on cpu", accelerate/utils/dataclasses.py:1878) and with it
`cpu_ram_efficient_loading` (which needs it); in fp32, as CPUs are, rather than the file's bf16. The processes run
tests/helpers/fsdp_pretraining.py, which lets accelerate take its FSDP branch in CPU processes (it drops the plugin
there and trains with DDP; the helper's docstring names the two lines) and then runs the script's unchanged `main()`.

Five `torchrun` runs of 2 processes (about 70 s on 2 cores in all, each bounded by TIMEOUT): DDP and FSDP, 6 steps
with a checkpoint every 3 (2 steps per epoch: the resume falls mid-epoch); the same FSDP run SIGKILLed on every rank
right after checkpoint 3 (tests/helpers/kill_after_save.py), then started again with the same command; and `--fsdp`
without the helper. The first four start together, the resume when the killed run has died.

- `test_fsdp_units_are_the_layers_and_each_rank_holds_half`: the FSDP units are the root and each `VideoBertLayer`
  (the embeddings and the tied prediction head stay in the root unit); each rank holds about half of the parameters
  and the two halves add up to the model.
- `test_fsdp_losses_and_weights_match_ddp`: the loss and gradient norm of every step, and the final weights (loaded
  back with `AutoModelForPreTraining`), equal the DDP run's to float32 tolerance.
- `test_fsdp_checkpoint_is_sharded`: checkpoint-3 holds the model and the optimizer as torch.distributed.checkpoint
  shards, one file per rank, every tensor split between the two, plus one RNG state per rank, and no full weights;
  read back offline, the shards are the DDP run's checkpoint-3 weights.
- `test_fsdp_resume_after_sigkill_matches_uninterrupted_run`: the killed run resumes from its sharded checkpoint
  (model, AdamW moments, scheduler, RNG) to the same final weights as the uninterrupted FSDP run.
- `test_fsdp_requested_where_accelerate_does_not_enable_it_raises`: `--fsdp` in 2 CPU processes without the helper,
  where accelerate would quietly train with DDP, stops with an error instead. (In one process, `Trainer` itself
  refuses: "Using fsdp only works in distributed training.", transformers/trainer.py:478.)
"""

import json
import shutil

import pytest
import torch
import yaml

from tests.test_distributed_pretraining import (
    COMMON,
    HELPERS,
    ROOT,
    TINY_MODEL,
    Runs,
    log_history,
    make_tiny_dataset,
)


pytestmark = pytest.mark.skipif(
    not (torch.distributed.is_available() and torch.distributed.is_gloo_available()),
    reason="torch.distributed with the gloo backend is unavailable: the tests run 2 CPU processes over gloo",
)

FSDP_YAML = ROOT / "examples" / "accelerate_configs" / "fsdp.yaml"
TORCHRUN = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]


def cpu_fsdp_config() -> dict:
    """The `fsdp_config` of examples/accelerate_configs/fsdp.yaml as `Trainer` reads it, less what CPUs refuse."""
    config = yaml.safe_load(FSDP_YAML.read_text())["fsdp_config"]
    assert config["fsdp_version"] == 1 and config["fsdp_transformer_layer_cls_to_wrap"] == "VideoBertLayer"
    assert config["fsdp_state_dict_type"] == "SHARDED_STATE_DICT"
    config.update(fsdp_sync_module_states=False, fsdp_cpu_ram_efficient_loading=False)
    return config


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("fsdp_pretraining")
    dataset = root / "dataset"
    make_tiny_dataset(dataset)
    (root / "fsdp_config.json").write_text(json.dumps(cpu_fsdp_config()))
    runs = Runs(root)
    runs.dataset = dataset
    args = ["--dataset_path", str(dataset), *TINY_MODEL, *COMMON, "--ddp_backend", "gloo"]
    args += ["--max_steps", "6", "--save_steps", "3", "--learning_rate", "1e-3"]
    fsdp = ["--fsdp", "--fsdp_config", str(root / "fsdp_config.json")]
    helper = str(HELPERS / "fsdp_pretraining.py")
    runs.start("ddp", [*TORCHRUN, "examples/run_pretraining.py", *args, "--output_dir", str(root / "ddp")])
    runs.start(
        "fsdp", [*TORCHRUN, helper, str(root / "record"), "0", *args, *fsdp, "--output_dir", str(root / "fsdp")]
    )
    resumed = root / "resumed"
    killed = [*TORCHRUN, helper, str(root / "record_resumed"), "3", *args, *fsdp, "--output_dir", str(resumed)]
    runs.start_and_resume_when_killed(killed, resumed)
    unpatched = [*TORCHRUN, "examples/run_pretraining.py", *args, *fsdp, "--output_dir", str(root / "unpatched")]
    runs.start("fsdp_unpatched", unpatched)
    yield runs
    runs.kill_all()
    shutil.rmtree(root, ignore_errors=True)


def full_log(runs, name):
    return (runs.root / f"{name}.log").read_text()


def test_fsdp_units_are_the_layers_and_each_rank_holds_half(runs):
    from safetensors.torch import load_file

    runs.wait("fsdp")
    runs.wait("ddp")
    records = [json.loads((runs.root / f"record.rank{rank}").read_text()) for rank in (0, 1)]
    for record in records:
        assert record["units"] == {
            "": "VideoBertForPreTraining",
            "videobert.encoder.layer.0": "VideoBertLayer",
            "videobert.encoder.layer.1": "VideoBertLayer",
        }
    # the model's parameters, tied ones once, are those the DDP run saved
    total = sum(tensor.numel() for tensor in load_file(runs.root / "ddp" / "model.safetensors").values())
    assert records[0]["total_numel"] == records[1]["total_numel"] == total
    assert records[0]["local_numel"] + records[1]["local_numel"] == total
    for record in records:
        assert 0.45 * total < record["local_numel"] < 0.55 * total, record


def test_fsdp_losses_and_weights_match_ddp(runs):
    from transformers import AutoModelForPreTraining

    runs.wait("fsdp")
    runs.wait("ddp")
    assert "FullyShardedDataParallel" not in runs.log("ddp")
    ddp, fsdp = log_history(runs.root / "ddp"), log_history(runs.root / "fsdp")
    assert [step for step, _, _ in fsdp] == [1, 2, 3, 4, 5, 6] == [step for step, _, _ in ddp]
    # float32 tolerance; the gradient norm is a float32 sum of ~1M squares taken in another order (FSDP: per flat
    # shard, then across ranks; DDP: per tensor), so it agrees to ~1e-5 relative
    ddp_losses, fsdp_losses = torch.tensor([row[1] for row in ddp]), torch.tensor([row[1] for row in fsdp])
    torch.testing.assert_close(fsdp_losses, ddp_losses, msg=lambda m: f"losses of steps 1-6: {m}")
    ddp_norms, fsdp_norms = torch.tensor([row[2] for row in ddp]), torch.tensor([row[2] for row in fsdp])
    torch.testing.assert_close(fsdp_norms, ddp_norms, rtol=3e-5, atol=0, msg=lambda m: f"grad norms of steps 1-6: {m}")

    # the final model, gathered into one state dict, loads like any checkpoint
    expected = AutoModelForPreTraining.from_pretrained(runs.root / "ddp").state_dict()
    actual = AutoModelForPreTraining.from_pretrained(runs.root / "fsdp").state_dict()
    assert actual.keys() == expected.keys()
    for name, tensor in expected.items():
        torch.testing.assert_close(actual[name], tensor, msg=lambda m, n=name: f"{n}: {m}")


def test_fsdp_checkpoint_is_sharded(runs, tmp_path):
    import torch.distributed.checkpoint as dcp
    from safetensors.torch import load_file
    from torch.distributed.checkpoint.format_utils import dcp_to_torch_save

    runs.wait("fsdp")
    runs.wait("ddp")
    checkpoint = runs.root / "fsdp" / "checkpoint-3"
    files = {str(path.relative_to(checkpoint)) for path in checkpoint.rglob("*") if path.is_file()}
    for folder in ("pytorch_model_fsdp_0", "optimizer_0"):
        assert {f"{folder}/.metadata", f"{folder}/__0_0.distcp", f"{folder}/__1_0.distcp"} <= files
    assert {"rng_state_0.pth", "rng_state_1.pth", "scheduler.pt", "trainer_state.json"} <= files
    assert not {"model.safetensors", "pytorch_model.bin", "optimizer.pt"} & files

    # every tensor of more than one row is split by rows between the two ranks' files
    metadata = dcp.FileSystemReader(str(checkpoint / "pytorch_model_fsdp_0")).read_metadata()
    word_embeddings = metadata.state_dict_metadata["model.videobert.embeddings.word_embeddings.weight"]
    assert [tuple(chunk.sizes) for chunk in word_embeddings.chunks] == [(15270, 32), (15270, 32)]
    for name, tensor in metadata.state_dict_metadata.items():
        if len(tensor.size) and tensor.size[0] > 1:
            assert len(tensor.chunks) == 2, name
    assert {info.relative_path for info in metadata.storage_data.values()} == {"__0_0.distcp", "__1_0.distcp"}

    # read back offline, the shards are the weights DDP had after the same 3 steps
    dcp_to_torch_save(str(checkpoint / "pytorch_model_fsdp_0"), str(tmp_path / "merged.pt"))
    merged = torch.load(tmp_path / "merged.pt", weights_only=True)["model"]
    expected = load_file(runs.root / "ddp" / "checkpoint-3" / "model.safetensors")
    assert set(expected) <= set(merged)
    for name, tensor in expected.items():
        torch.testing.assert_close(merged[name], tensor, msg=lambda m, n=name: f"{n}: {m}")


def test_fsdp_resume_after_sigkill_matches_uninterrupted_run(runs):
    from safetensors.torch import load_file

    resumed = runs.root / "resumed"
    runs.wait("killed", expected_rc=1)  # torchrun's own code when its workers die
    assert full_log(runs, "killed").count("Signal 9 (SIGKILL) received") == 2  # both ranks
    runs.resumer.join(timeout=30)
    # killed right after checkpoint-3 was saved: no later checkpoint, no final model
    assert "checkpoint-3" in runs.after_kill
    assert "checkpoint-6" not in runs.after_kill and "model.safetensors" not in runs.after_kill
    runs.wait("resume")
    # steps 1-3 ran (and were logged, by rank 0) before the kill, steps 4-6 after the resume
    assert full_log(runs, "killed").count("'grad_norm'") == 3 and full_log(runs, "resume").count("'grad_norm'") == 3
    runs.wait("fsdp")

    expected = load_file(runs.root / "fsdp" / "model.safetensors")
    actual = load_file(resumed / "model.safetensors")
    assert actual.keys() == expected.keys()
    for name, tensor in expected.items():
        torch.testing.assert_close(actual[name], tensor, msg=lambda m, n=name: f"{n}: {m}")
    assert log_history(resumed)[-3:] == log_history(runs.root / "fsdp")[-3:]


def test_fsdp_requested_where_accelerate_does_not_enable_it_raises(runs):
    # without the helper, accelerate would quietly train the 2 CPU processes with DDP; the script stops instead
    runs.wait("fsdp_unpatched", expected_rc=1)
    log = full_log(runs, "fsdp_unpatched")
    assert "--fsdp was given but accelerate did not enable FSDP (distributed type MULTI_CPU)" in log
    assert "'grad_norm'" not in log and not (runs.root / "unpatched" / "model.safetensors").exists()
