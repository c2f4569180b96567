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
"""examples/run_pretraining.py's trainer logs each regime's loss without reading the device at every step."""

import importlib.util
import math
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile
from transformers import TrainingArguments

from videobert_hf import VideoBertForPreTraining

from .helpers.modeling_reference import collator_like_batch, reference_config


def load_run_pretraining():
    path = Path(__file__).resolve().parents[1] / "examples" / "run_pretraining.py"
    spec = importlib.util.spec_from_file_location("run_pretraining", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def host_reads(run) -> int:
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run()
    return sum(e.count for e in prof.key_averages() if e.key == "aten::_local_scalar_dense")


def test_logged_losses_are_read_when_logging_and_skip_the_steps_without_them(tmp_path):
    run_pretraining = load_run_pretraining()
    torch.manual_seed(0)
    config = reference_config()
    model = VideoBertForPreTraining(config).train()
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[], use_cpu=True)
    trainer = run_pretraining.VideoBertPretrainingTrainer(model=model, args=args)
    batch = collator_like_batch(config)
    no_video = {key: value.clone() for key, value in batch.items()}
    no_video["labels"][1::3] = -100  # this step has no masked token of a video-only example: video_loss is NaN

    steps = []
    for inputs in (batch, no_video):
        forward_only = host_reads(lambda inputs=inputs: model(**inputs))
        with_logging = host_reads(lambda inputs=inputs: steps.append(trainer.compute_loss(model, inputs, True)[1]))
        assert with_logging == forward_only  # compute_loss adds no read of its own
    assert math.isnan(steps[1].video_loss)

    logs = {"loss": 1.0}
    trainer.log(logs)
    for name in run_pretraining.LOGGED_LOSSES:
        values = [float(getattr(step, name)) for step in steps if not math.isnan(getattr(step, name))]
        assert logs[name] == round(sum(values) / len(values), 4), name
    assert len([step for step in steps if not math.isnan(step.video_loss)]) == 1
    # the totals start again after each log
    logs = {"loss": 1.0}
    trainer.log(logs)
    assert not set(run_pretraining.LOGGED_LOSSES) & set(logs)
