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
Helper of tests/test_distributed_pretraining.py (runs under `torchrun` or in the test process).

`first_step_grads(dataset_path, out_dir, batch_size)` trains `VideoBertPretrainingTrainer` (imported from
examples/run_pretraining.py) for one step on the fixed, already-masked examples of `fixed_examples`, fed in order
(`train_sampling_strategy="sequential"`, no dropout), and saves on every rank `grads_rank{r}.pt`: the gradients seen
by `on_pre_optimizer_step` (after the DDP all-reduce, no clipping) and the example indices the rank trained on.

As a script (`torchrun --standalone --nproc_per_node 2 ddp_pretraining.py DATASET GRADS_DIR BATCH [SCRIPT_ARGS...]`)
it does that, then runs the unchanged `main()` of examples/run_pretraining.py with SCRIPT_ARGS in the same processes.
"""

import importlib.util
import os
import sys
from pathlib import Path

import torch
from transformers import AutoProcessor, TrainerCallback, TrainingArguments

from videobert_hf import VideoBertConfig, VideoBertForPreTraining
from videobert_hf.processing_videobert import build_videobert_inputs


ROOT = Path(__file__).resolve().parents[2]


def load_run_pretraining():
    spec = importlib.util.spec_from_file_location("run_pretraining", ROOT / "examples" / "run_pretraining.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixed_examples(processor):
    """
    Six masked examples; with a per-process batch of 3 the two ranks hold very different counts:
    rank 0 (examples 0-2) 10 masked tokens and 1 alignment label, rank 1 (examples 3-5) 3 masked tokens and 3.
    """
    special = processor.special_ids
    text = processor.tokenizer("now let me show you how to cut the onion", add_special_tokens=False)["input_ids"]
    clips = [3, 7, 1, 12, 5, 9, 0, 15]
    # (text, clips, masked positions, alignment label); a negative (0) is masked but has no labels
    specs = [
        (text, clips[:6], [1, 2, 5, 14, 15], 1),
        (text[:6], None, [3], -100),
        (None, clips, [1, 3, 4, 8], -100),
        (text[:5], clips[2:], [2, 9], 0),
        (text[2:], clips[:3], [4], 1),
        (text[:4], clips[1:7], [1, 8], 1),
    ]
    examples = []
    for idx, (text_ids, visual_ids, masked, alignment) in enumerate(specs):
        ids, types = build_videobert_inputs(text_ids, visual_ids, special)
        labels = [-100] * len(ids)
        for position in masked:
            assert ids[position] not in (special.cls, special.sep, special.text_video_separator), (idx, position)
            if alignment != 0:
                labels[position] = ids[position]
            ids[position] = special.mask
        examples.append(
            {"idx": idx, "input_ids": ids, "token_type_ids": types, "labels": labels, "alignment_labels": alignment}
        )
    return examples


class PadCollator:
    """Pads pre-built examples (no randomness) and remembers which example indices it collated."""

    def __init__(self, pad_id):
        self.pad_id = pad_id
        self.seen = []

    def __call__(self, features):
        self.seen.extend(f["idx"] for f in features)
        length = max(len(f["input_ids"]) for f in features)

        def pad(key, value):
            return torch.tensor([f[key] + [value] * (length - len(f[key])) for f in features])

        return {
            "input_ids": pad("input_ids", self.pad_id),
            "token_type_ids": pad("token_type_ids", 0),
            "attention_mask": torch.tensor(
                [[1] * len(f["input_ids"]) + [0] * (length - len(f["input_ids"])) for f in features]
            ),
            "labels": pad("labels", -100),
            "alignment_labels": torch.tensor([f["alignment_labels"] for f in features]),
        }


class SaveGrads(TrainerCallback):
    def __init__(self, out_dir, collator):
        self.out_dir, self.collator = Path(out_dir), collator

    def on_pre_optimizer_step(self, args, state, control, model=None, **kwargs):
        if state.global_step == 0:
            grads = {name: p.grad.detach().clone() for name, p in model.named_parameters() if p.grad is not None}
            torch.save(
                {"grads": grads, "seen": list(self.collator.seen), "world_size": args.world_size},
                self.out_dir / f"grads_rank{args.process_index}.pt",
            )


def first_step_grads(dataset_path, out_dir, batch_size):
    run_pretraining = load_run_pretraining()
    processor = AutoProcessor.from_pretrained(os.path.join(dataset_path, "processor"))
    config = VideoBertConfig(
        **processor.config_kwargs(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        alignment_loss_weight=2.0,  # a weight != 1 so that the alignment term's scale shows
    )
    torch.manual_seed(0)
    model = VideoBertForPreTraining(config)
    collator = PadCollator(processor.special_ids.pad)
    args = TrainingArguments(
        output_dir=str(Path(out_dir) / "trainer"),
        per_device_train_batch_size=batch_size,
        max_steps=1,
        max_grad_norm=0.0,  # compare the raw gradients, not clipped ones
        train_sampling_strategy="sequential",
        use_cpu=True,
        ddp_backend="gloo" if int(os.environ.get("WORLD_SIZE", "1")) > 1 else None,  # gloo alone would init a group
        remove_unused_columns=False,
        dataloader_num_workers=0,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=0,
    )
    trainer = run_pretraining.VideoBertPretrainingTrainer(
        model=model,
        args=args,
        train_dataset=fixed_examples(processor),
        data_collator=collator,
        callbacks=[SaveGrads(out_dir, collator)],
    )
    trainer.train()
    return run_pretraining


if __name__ == "__main__":
    dataset, grads_dir, batch = sys.argv[1:4]
    module = first_step_grads(dataset, grads_dir, int(batch))
    if len(sys.argv) > 4:
        module.main(sys.argv[4:])
    if torch.distributed.is_initialized():  # destroyed before exit, see examples/run_pretraining.py
        torch.distributed.destroy_process_group()
