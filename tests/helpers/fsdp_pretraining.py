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
Helper of tests/test_fsdp_pretraining.py: runs the unchanged `main()` of examples/run_pretraining.py under FSDP in CPU
processes (`torchrun --standalone --nproc_per_node 2 fsdp_pretraining.py RECORD_JSON KILL_STEP SCRIPT_ARGS...`, with
`--use_cpu --ddp_backend gloo --fsdp --fsdp_config FILE` among SCRIPT_ARGS).

accelerate 1.16 does not run FSDP in CPU processes, in two places, which `enable_fsdp_on_cpu` changes in this process
only (nothing else of accelerate, transformers or torch is touched):

1. `AcceleratorState.__init__` (accelerate/state.py:945-977) turns a given FSDP plugin into `DistributedType.FSDP`
   only when the processes are of a GPU-like type (MULTI_GPU, MULTI_XPU, ...); for MULTI_CPU it drops the plugin
   without a word and `Trainer` trains with DDP. Here the FSDP branch is taken for MULTI_CPU as well.
2. The process device is `cpu:0` (accelerate/state.py:804, `torch.device("cpu", local_process_index % 1)`), which
   accelerate hands to FSDP1 as `device_id` (accelerate/accelerator.py:1930); FSDP1 computes its compute device as
   `cpu` and raises "Inconsistent compute device and `device_id` on rank 0: cpu vs cpu:0"
   (torch/distributed/fsdp/_init_utils.py:1102). Here the device is `cpu`.

Everything else is the real code path: `Trainer` / accelerate wrap the model in FSDP1 with the transformer auto-wrap
policy, train, save sharded checkpoints through torch.distributed.checkpoint and resume from them.

After training, every rank writes `{RECORD_JSON}.rank{r}`: the FSDP units (module name -> class, the root as ""), this
rank's number of parameter elements outside forward (its shard; tied weights once) and the model's total.
KILL_STEP > 0 SIGKILLs every rank right after checkpoint KILL_STEP is saved (tests/helpers/kill_after_save.py).
"""

import importlib.util
import json
import os
import sys
from pathlib import Path

import torch


HELPERS = Path(__file__).resolve().parent


def enable_fsdp_on_cpu():
    """Make accelerate's state take its FSDP branch in CPU processes, on device `cpu` (see the module docstring)."""
    import accelerate.state as accelerate_state
    from accelerate.utils import DistributedType

    original_init = accelerate_state.AcceleratorState.__init__

    def init(self, *args, fsdp_plugin=None, **kwargs):
        original_init(self, *args, fsdp_plugin=fsdp_plugin, **kwargs)
        if fsdp_plugin is not None and self.distributed_type == DistributedType.MULTI_CPU:
            # what accelerate/state.py:974-977 does for GPU processes
            self.distributed_type = DistributedType.FSDP
            if self._mixed_precision != "no":
                fsdp_plugin.set_mixed_precision(self._mixed_precision)
            self.fsdp_plugin = fsdp_plugin
            self.device = torch.device("cpu")
            accelerate_state.PartialState._shared_state["distributed_type"] = DistributedType.FSDP
            accelerate_state.PartialState._shared_state["device"] = self.device

    accelerate_state.AcceleratorState.__init__ = init


def record_sharding(model, path, rank):
    """Writes the FSDP units of the wrapped `model` and this rank's share of its parameters to `{path}.rank{rank}`."""
    from torch.distributed.fsdp import FullyShardedDataParallel

    units = {
        name.replace("_fsdp_wrapped_module.", "").removesuffix("_fsdp_wrapped_module"): type(module.module).__name__
        for name, module in model.named_modules()
        if isinstance(module, FullyShardedDataParallel)
    }
    record = {"units": units, "local_numel": sum(p.numel() for p in model.parameters())}
    with FullyShardedDataParallel.summon_full_params(model, writeback=False):
        record["total_numel"] = sum(p.numel() for p in model.parameters())
    Path(f"{path}.rank{rank}").write_text(json.dumps(record))


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    record_path, kill_step = sys.argv[1], int(sys.argv[2])
    enable_fsdp_on_cpu()
    run_pretraining = load_module("run_pretraining", HELPERS.parents[1] / "examples" / "run_pretraining.py")
    callbacks = []
    if kill_step > 0:
        callbacks.append(load_module("kill_after_save", HELPERS / "kill_after_save.py").KillAfterSave(kill_step))
    trainer = run_pretraining.main(sys.argv[3:], callbacks=callbacks)
    record_sharding(trainer.model_wrapped, record_path, trainer.args.process_index)
    # Everything this rank writes is written; leave without the interpreter's teardown. A rank of the resumed run
    # died there once in ten runs here and in two of three CI runs, after its metrics ("terminate called without an
    # active exception", SIGABRT), with and without `destroy_process_group` first: the FSDP model and the loaded
    # sharded state probably still hold the gloo group, whose threads then meet the finalizing interpreter (as in
    # pytorch/pytorch#179291).
    # The test is about the run, not about that teardown.
    torch.distributed.barrier()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
