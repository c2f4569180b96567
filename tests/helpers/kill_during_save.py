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
Helper of tests/test_checkpoint_resume.py: `python kill_during_save.py STEP WHERE SCRIPT_ARGS...` runs the unchanged
`main()` of examples/run_pretraining.py and SIGKILLs its own process in the middle of `Trainer._save_checkpoint` for
checkpoint STEP, as a job preempted while it saves dies: no cleanup, no final save. WHERE:

- `folder`: `checkpoint-STEP/` has just been created, nothing is in it yet;
- `weights`: half of `model.safetensors` is on disk (its bytes are written, then the process dies half way);
- `state`: the model, optimizer, scheduler and RNG states are written, `trainer_state.json` (written last) is not.

`WHERE` of `none` runs the script without a kill (the same process set-up as the others).
"""

import importlib.util
import os
import signal
import sys
from pathlib import Path

import safetensors.torch
import transformers.modeling_utils
from transformers import Trainer


ARMED = False  # inside _save_checkpoint of the checkpoint to kill


def die():
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(step: int, where: str) -> None:
    save_checkpoint, save_model = Trainer._save_checkpoint, Trainer.save_model
    save_rng_state, save_file = Trainer._save_rng_state, transformers.modeling_utils.safe_save_file

    def _save_checkpoint(self, *args, **kwargs):
        global ARMED
        ARMED = self.state.global_step == step
        try:
            return save_checkpoint(self, *args, **kwargs)
        finally:
            ARMED = False

    def _save_model(self, output_dir=None, _internal_call=False):
        if ARMED and where == "folder":
            os.makedirs(output_dir, exist_ok=True)
            die()
        return save_model(self, output_dir, _internal_call)

    def _safe_save_file(tensors, filename, metadata=None):
        if ARMED and where == "weights":
            data = safetensors.torch.save(tensors, metadata=metadata)
            with open(filename, "wb") as handle:
                handle.write(data[: len(data) // 2])
                handle.flush()
                os.fsync(handle.fileno())
            die()
        return save_file(tensors, filename, metadata=metadata)

    def _save_rng_state(self, output_dir):
        save_rng_state(self, output_dir)
        if ARMED and where == "state":
            die()

    Trainer._save_checkpoint, Trainer.save_model, Trainer._save_rng_state = (
        _save_checkpoint,
        _save_model,
        _save_rng_state,
    )
    transformers.modeling_utils.safe_save_file = _safe_save_file


if __name__ == "__main__":
    step, where = int(sys.argv[1]), sys.argv[2]
    assert where in ("folder", "weights", "state", "none"), where
    if where != "none":
        arm(step, where)
    path = Path(__file__).resolve().parents[2] / "examples" / "run_pretraining.py"
    spec = importlib.util.spec_from_file_location("run_pretraining", path)
    run_pretraining = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_pretraining)
    run_pretraining.main(sys.argv[3:])
