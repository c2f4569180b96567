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
Helper of tests/test_distributed_pretraining.py and tests/test_fsdp_pretraining.py: `python kill_after_save.py N
SCRIPT_ARGS...` runs the unchanged `main()` of examples/run_pretraining.py and SIGKILLs its own process right after
checkpoint N is saved (`on_save`), as a preempted job would die: no cleanup, no final save. Under `torchrun` every rank
waits at a barrier first, so that all ranks have finished writing the checkpoint (their shards, RNG states) before any
dies.
"""

import importlib.util
import os
import signal
import sys
from pathlib import Path

import torch
from transformers import TrainerCallback


class KillAfterSave(TrainerCallback):
    def __init__(self, step):
        self.step = step

    def on_save(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            if torch.distributed.is_available() and torch.distributed.is_initialized():
                torch.distributed.barrier()
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    path = Path(__file__).resolve().parents[2] / "examples" / "run_pretraining.py"
    spec = importlib.util.spec_from_file_location("run_pretraining", path)
    run_pretraining = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_pretraining)
    run_pretraining.main(sys.argv[2:], callbacks=[KillAfterSave(int(sys.argv[1]))])
