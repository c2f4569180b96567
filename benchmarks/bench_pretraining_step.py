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
"""Train-step time of VideoBertForPreTraining against transformers' BertForPreTraining at the same size.

Both models get the same weights and the same batch (15 % of positions masked, alignment / next-sentence labels), so
their losses must agree; VideoBERT scores only the masked positions, BERT the whole [batch, length, vocab] tensor.
Steps of the two models alternate, so machine noise hits both alike. Prints the median step times and their ratio.

    .venv/bin/python benchmarks/bench_pretraining_step.py            # hidden 256, 4 layers, vocab 51,260, 16 x 128
"""

import argparse
import statistics
import time

import torch
from transformers import BertConfig, BertForPreTraining

from videobert_hf import VideoBertConfig, VideoBertForPreTraining


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden-size", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--steps", type=int, default=6, help="timed steps per model (after one warm-up step)")
    parser.add_argument("--mask-fraction", type=float, default=0.15)
    parser.add_argument("--attn-implementation", default="sdpa")
    parser.add_argument("--target", type=float, default=0.45, help="ratio to beat (VideoBERT / BERT step time)")
    return parser.parse_args()


def make_batch(config, batch_size, length, mask_fraction, seed=0):
    generator = torch.Generator().manual_seed(seed)
    half = length // 2
    text = torch.randint(1000, config.text_vocab_size, (batch_size, half), generator=generator)
    video = torch.randint(
        config.visual_token_offset, config.vocab_size, (batch_size, length - half), generator=generator
    )
    input_ids = torch.cat([text, video], dim=1)
    input_ids[:, 0] = 101
    token_type_ids = torch.cat([torch.zeros_like(text), torch.ones_like(video)], dim=1)
    masked = torch.rand(batch_size, length, generator=generator) < mask_fraction
    masked[:, 0] = False
    labels = torch.where(masked, input_ids, torch.full_like(input_ids, -100))
    input_ids = input_ids.masked_fill(masked, 103)
    alignment = torch.randint(0, 2, (batch_size,), generator=generator)
    return input_ids, token_type_ids, labels, alignment


def main():
    args = parse_args()
    torch.manual_seed(0)
    config = VideoBertConfig(
        hidden_size=args.hidden_size,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        intermediate_size=4 * args.hidden_size,
        max_position_embeddings=max(512, args.length),
    )
    config._attn_implementation = args.attn_implementation
    videobert = VideoBertForPreTraining(config)
    bert_config = BertConfig(
        vocab_size=config.vocab_size,
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads,
        intermediate_size=config.intermediate_size,
        max_position_embeddings=config.max_position_embeddings,
    )
    bert_config._attn_implementation = args.attn_implementation
    bert = BertForPreTraining(bert_config)
    state = {
        key.replace("videobert.", "bert.").replace("cls.alignment.", "cls.seq_relationship."): value
        for key, value in videobert.state_dict().items()
    }
    bert.load_state_dict(state, strict=False)
    bert.tie_weights()

    input_ids, token_type_ids, labels, alignment = make_batch(config, args.batch_size, args.length, args.mask_fraction)
    # VideoBERT's alignment label 1 = aligned is BERT's next-sentence label 0 = is next: with the rows of the
    # classifier in the same order the two losses are the same function of the same label tensor.
    runs = {
        "BertForPreTraining (anchor)": (
            bert,
            dict(input_ids=input_ids, token_type_ids=token_type_ids, labels=labels, next_sentence_label=alignment),
        ),
        "VideoBertForPreTraining": (
            videobert,
            dict(input_ids=input_ids, token_type_ids=token_type_ids, labels=labels, alignment_labels=alignment),
        ),
    }
    optimizers = {name: torch.optim.AdamW(model.parameters(), lr=1e-5) for name, (model, _) in runs.items()}
    for model, _ in runs.values():
        model.train()
        for module in model.modules():  # dropout off, so that both see the same function
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0

    times = {name: [] for name in runs}
    first_losses = {}
    for step in range(args.steps + 1):
        for name, (model, inputs) in runs.items():
            start = time.perf_counter()
            loss = model(**inputs).loss
            loss.backward()
            optimizers[name].step()
            optimizers[name].zero_grad(set_to_none=True)
            elapsed = time.perf_counter() - start
            if step == 0:
                first_losses[name] = loss.item()
            else:
                times[name].append(elapsed)

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.attn_implementation}; hidden "
        f"{args.hidden_size}, {args.layers} layers, vocabulary {config.vocab_size:,}, batch {args.batch_size} x "
        f"{args.length}, {args.steps} timed steps each"
    )
    medians = {}
    for name in runs:
        medians[name] = statistics.median(times[name])
        print(f"{name:30s} {medians[name]:.3f} s/step   first-step loss {first_losses[name]:.6f}")
    anchor, ours = medians["BertForPreTraining (anchor)"], medians["VideoBertForPreTraining"]
    loss_gap = abs(first_losses["BertForPreTraining (anchor)"] - first_losses["VideoBertForPreTraining"])
    ratio = ours / anchor
    print(f"ratio VideoBERT / BERT = {ratio:.2f} (target <= {args.target}); first-step loss difference {loss_gap:.2e}")
    if loss_gap > 1e-4:
        raise SystemExit("the two models disagree on the loss of the same batch")


if __name__ == "__main__":
    main()
