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
The paper's pretraining schedule and a HowTo100M-sized corpus, costed in GPU-hours on 8 and 64 GPUs with DDP and
with FSDP, from the model's FLOPs and named assumptions. Prints Markdown (the tables of BENCHMARKS.md's section
"Pretraining at scale, on paper").

    .venv/bin/python benchmarks/pretraining_cost.py                        # measures FLOP counts on this CPU (~1 min)
    .venv/bin/python benchmarks/pretraining_cost.py --gpu-report gpu_check.json   # MFU and clips/s measured on a GPU
    .venv/bin/python benchmarks/pretraining_cost.py --quick                # small sizes for the measurements (tests)

What is measured here (CPU, in this run):
- the model FLOPs of one training step, counted by torch.utils.flop_counter on the real `VideoBertForPreTraining`
  forward + backward at BERT-large size (batch 2 x 128), against bench_cuda_attention.model_flops_per_step's formula
  (6 x weights x tokens for the encoder, the prediction head over the 51,260-row joint vocabulary at masked positions
  only, pooler + alignment on [CLS], 12 x layers x hidden x length^2 per sequence for attention) that the table uses;
- the parameter count (the model built on the meta device) that sets the communication volume;
- the S3D clip encoder's FLOPs per 30 x 224 x 224 clip (counted on the meta device);
- step times on this CPU at small sizes with the FLOP/s they reach, against a float32 matmul measured in the same run,
  to show that the step time follows the FLOP count.

What is assumed (each a flag): the GPU (H100 / H200 SXM, dense bf16 peak 989 TFLOP/s, bench_cuda_attention's table),
MFU 40 % at every per-GPU batch (the issue's target; not measured here: --gpu-report takes the GPU check's figures
instead), the sequence length (128, run_pretraining.py's --max_seq_length default), 64 visual tokens per sequence
(the 1:1:1 regime mix: text-only 0, video-only ~126, text-video ~64), 10 epochs over the corpus at 128 sequences per
GPU, the communication model below, and no data loading or tokenization stall. The step time on N GPUs is computed two ways: communication fully hidden behind compute
(max of the two) and not hidden at all (their sum); the tables give both ends.

Communication per GPU per step (ring collectives, P parameters): DDP all-reduces float32 gradients (bf16 autocast keeps
float32 weights): 2 (N-1)/N x 4 P bytes. FSDP full shard with accelerate's bf16 policy (bf16 parameters and gradient
reduction) all-gathers the parameters for forward and again for backward and reduce-scatters the gradients:
3 (N-1)/N x 2 P bytes. Bus bandwidth: 8 GPUs in one node over NVLink (assumed 360 GB/s, 80 % of NVLink 4's 450 GB/s
per direction); 64 GPUs in 8 nodes, where the ring crosses InfiniBand (assumed 40 GB/s per GPU, 80 % of 8 x 400 Gb/s
NDR per node).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch


sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling benchmark scripts
import bench_cuda_attention  # noqa: E402


PAPER_STEPS = 500_000  # DESIGN.md: the paper trained 0.5M steps, batch 128, from BERT-large
PAPER_BATCH = 128
LENGTH = 128  # assumed: run_pretraining.py's --max_seq_length default
MASK_FRACTION = 0.15
VISUAL_TOKENS_PER_SEQUENCE = 64  # assumed (see the module docstring)
# HowTo100M (its dataset card): 136M narrated clips with captions from 1.2M videos, 15 years of video. VideoBERT cuts
# video into 1.5 s clips, one visual token each: 15 years of video make this many of them.
HOWTO100M_VIDEOS = 1_200_000
HOWTO100M_NARRATED_CLIPS = 136_000_000
HOWTO100M_CLIPS = round(15 * 365.25 * 24 * 3600 / 1.5)
BERT_SIZES = {"BERT-base": (768, 12, 12), "BERT-large": (1024, 24, 16)}
INTERCONNECT_GBPS = {8: 360.0, 64: 40.0}  # assumed bus bandwidth per GPU, GB/s (see the module docstring)


def videobert_config(hidden, layers, heads, text_vocab_size=30522, visual_vocab_size=20736, length=LENGTH):
    from videobert_hf import VideoBertConfig

    return VideoBertConfig(
        text_vocab_size=text_vocab_size,
        visual_vocab_size=visual_vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=4 * hidden,
        max_position_embeddings=max(512, length),
    )


def parameter_count(config) -> int:
    from videobert_hf import VideoBertForPreTraining

    with torch.device("meta"):
        model = VideoBertForPreTraining(config)
    return sum(p.numel() for p in model.parameters())


def step_flops(config, batch_size, length=LENGTH) -> float:
    """Analytic model FLOPs of one training step with the expected number of masked tokens."""
    masked = round(MASK_FRACTION * batch_size * length)
    return bench_cuda_attention.model_flops_per_step(config, batch_size, length, masked)


def counted_step_flops(config, batch_size, length) -> tuple[float, float]:
    """(counted, analytic) FLOPs of one real training step on CPU with the same batch (torch.utils.flop_counter)."""
    from torch.utils.flop_counter import FlopCounterMode

    model = bench_cuda_attention.build_model(config, "sdpa", "cpu", torch.float32).train()
    batch = bench_cuda_attention.make_batch(config, batch_size, length, MASK_FRACTION, 0, padded=False)
    with FlopCounterMode(display=False) as counter:
        model(**batch).loss.backward()
    masked = int((batch["labels"] != -100).sum())
    return float(counter.get_total_flops()), bench_cuda_attention.flops_per_step(model, batch_size, length, masked)


def s3d_flops_per_clip(frames=30, size=224) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    from videobert_hf.visual_tokenizer_videobert import VideoBertS3DClipEncoder

    with torch.device("meta"):
        encoder = VideoBertS3DClipEncoder().eval()
        clip = torch.empty(1, 3, frames, size, size)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        encoder(clip)
    return float(counter.get_total_flops())


def cpu_step_times(sizes, batch_size, length, steps) -> list[dict]:
    """Median step time of small models on this CPU, their FLOP/s, and a float32 matmul's FLOP/s as the anchor."""
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    started, repeats = time.perf_counter(), 0
    while repeats < 5 or time.perf_counter() - started < 1.0:
        a @ b
        repeats += 1
    matmul = 2 * n**3 * repeats / (time.perf_counter() - started)
    rows = []
    for hidden, layers, heads in sizes:
        config = videobert_config(hidden, layers, heads, length=length)
        torch.manual_seed(0)
        model = bench_cuda_attention.build_model(config, "sdpa", "cpu", torch.float32).train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
        batch = bench_cuda_attention.make_batch(config, batch_size, length, MASK_FRACTION, 0, padded=False)
        masked = int((batch["labels"] != -100).sum())
        times = []
        for step in range(steps + 1):
            started = time.perf_counter()
            model(**batch).loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            if step:
                times.append(time.perf_counter() - started)
        seconds = sorted(times)[len(times) // 2]
        flops = bench_cuda_attention.flops_per_step(model, batch_size, length, masked)
        rows.append(
            {
                "size": f"{hidden} x {layers}",
                "batch": f"{batch_size} x {length}",
                "seconds_per_step": seconds,
                "flops_per_step": flops,
                "gflops_per_s": flops / seconds / 1e9,
                "matmul_gflops_per_s": matmul / 1e9,
            }
        )
    return rows


def measured_from_gpu_report(path):
    """MFU per (model, per-GPU batch) (the best of eager / compiled) and S3D clips/s from gpu_check.py's JSON."""
    report = json.loads(Path(path).read_text())
    mfu, clips_per_s = {}, None
    for entry in report.get("sections", {}).values():
        if entry.get("status") == "ok" and entry.get("mfu") is not None and "batch_size" in entry:
            key = (entry["model"], entry["batch_size"])
            mfu[key] = max(mfu.get(key, 0.0), entry["mfu"])
        if entry.get("status") == "ok" and "clips_per_s" in entry:
            clips_per_s = entry["clips_per_s"]
    return report.get("device"), mfu, clips_per_s


def cost_rows(config, parameters, args, measured_mfu):
    """One row per (workload, GPUs, strategy)."""
    peak = args.peak_tflops * 1e12
    epoch_sequences = HOWTO100M_CLIPS / VISUAL_TOKENS_PER_SEQUENCE
    workloads = [
        ("the paper: 0.5M steps x 128 sequences", PAPER_STEPS, lambda gpus: PAPER_BATCH / gpus),
        (
            f"HowTo100M-sized, {args.epochs:g} epoch(s) ({epoch_sequences * args.epochs / 1e6:.2f} M sequences), "
            f"{args.batch_per_gpu} sequences per GPU",
            None,
            lambda gpus: args.batch_per_gpu,
        ),
    ]
    rows = []
    for workload, steps, per_gpu in workloads:
        for gpus in (1, 8, 64):
            batch = per_gpu(gpus)
            if batch < 1 or batch != int(batch):
                continue
            batch = int(batch)
            total_steps = steps if steps is not None else epoch_sequences * args.epochs / (batch * gpus)
            mfu = measured_mfu.get(("BERT-large", batch), args.mfu)
            compute_s = step_flops(config, batch) / (mfu * peak)
            for strategy, bytes_per_parameter in (("DDP", 2 * 4), ("FSDP", 3 * 2)):
                if gpus == 1 and strategy == "FSDP":
                    continue
                comm_s = 0.0
                if gpus > 1:
                    volume = (gpus - 1) / gpus * bytes_per_parameter * parameters
                    comm_s = volume / (INTERCONNECT_GBPS[gpus] * 1e9)
                best, worst = max(compute_s, comm_s), compute_s + comm_s
                rows.append(
                    {
                        "workload": workload,
                        "gpus": gpus,
                        "strategy": strategy if gpus > 1 else "one GPU",
                        "per_gpu_batch": batch,
                        "steps": total_steps,
                        "mfu": mfu,
                        "mfu_source": "measured" if ("BERT-large", batch) in measured_mfu else "assumed",
                        "compute_s": compute_s,
                        "comm_s": comm_s,
                        "gpu_hours": (total_steps * best * gpus / 3600, total_steps * worst * gpus / 3600),
                        "hours": (total_steps * best / 3600, total_steps * worst / 3600),
                        "scaling_efficiency": (compute_s / worst, compute_s / best),
                    }
                )
    return rows


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mfu", type=float, default=0.40, help="assumed model-FLOPs utilisation (default 0.40)")
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="GPU dense bf16 peak (H100/H200 SXM: 989)")
    parser.add_argument("--gpu", default="H100 / H200 SXM", help="the GPU the peak belongs to (for the table)")
    parser.add_argument("--epochs", type=float, default=10.0, help="epochs over the HowTo100M-sized corpus (10)")
    parser.add_argument("--batch-per-gpu", type=int, default=128, help="sequences per GPU for the corpus rows")
    parser.add_argument("--s3d-mfu", type=float, default=0.25, help="assumed MFU of the S3D clip encoder")
    parser.add_argument("--gpu-report", default=None, help="gpu_check.py's JSON: measured MFU and clips/s")
    parser.add_argument("--quick", action="store_true", help="small sizes for the CPU measurements (tests)")
    parser.add_argument("--output", default=None, help="also write the Markdown here")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.manual_seed(0)
    large = videobert_config(*BERT_SIZES["BERT-large"])
    parameters = parameter_count(large)
    if args.quick:
        count_config, count_batch, count_length = videobert_config(64, 2, 4, length=32), 2, 32
        timing_sizes, timing_batch, timing_length, timing_steps = [(64, 2, 4), (128, 2, 4)], 4, 32, 2
    else:
        count_config, count_batch, count_length = large, 2, LENGTH
        timing_sizes, timing_batch, timing_length, timing_steps = [(256, 4, 4), (512, 4, 8)], 16, LENGTH, 3
    counted, analytic = counted_step_flops(count_config, count_batch, count_length)
    s3d = s3d_flops_per_clip(*((8, 32) if args.quick else (30, 224)))
    timings = cpu_step_times(timing_sizes, timing_batch, timing_length, timing_steps)
    device, measured_mfu, clips_per_s = (None, {}, None)
    if args.gpu_report:
        device, measured_mfu, clips_per_s = measured_from_gpu_report(args.gpu_report)
    rows = cost_rows(large, parameters, args, measured_mfu)

    out = []
    count_size = f"{count_config.hidden_size} x {count_config.num_hidden_layers}, batch {count_batch} x {count_length}"
    out += [
        "Measured on this machine (CPU), in this run:",
        "",
        "| what | figure | anchor |",
        "|---|---|---|",
        f"| model FLOPs of one training step, counted by torch.utils.flop_counter ({count_size}, vocabulary "
        f"{count_config.vocab_size:,}, logits at masked positions) | {counted:.4g} | the formula the tables use: "
        f"{analytic:.4g} (ratio {counted / analytic:.4f}) |",
        f"| parameters of VideoBERT at BERT-large size with the joint vocabulary (tied weights once) | "
        f"{parameters / 1e6:.1f} M | BERT-large's encoder alone: "
        f"{large.num_hidden_layers * (4 * large.hidden_size**2 + 2 * large.hidden_size * large.intermediate_size) / 1e6:.1f} M |",
        f"| S3D FLOPs per clip ({'8 x 32 x 32' if args.quick else '30 x 224 x 224'}) | {s3d / 1e9:.1f} GFLOP | "
        f"one BERT-large training step on 128 x 128 tokens: {step_flops(large, 128) / 1e12:.1f} TFLOP |",
    ]
    for row in timings:
        out.append(
            f"| CPU training step, hidden {row['size']}, batch {row['batch']} | {row['seconds_per_step']:.3f} s, "
            f"{row['gflops_per_s']:.1f} GFLOP/s | float32 matmul in the same run: {row['matmul_gflops_per_s']:.1f} "
            f"GFLOP/s ({row['gflops_per_s'] / row['matmul_gflops_per_s']:.0%}) |"
        )
    mfu_note = (
        f"measured by the GPU check on {device} where the per-GPU batch was measured, else {args.mfu:.0%} assumed"
        if measured_mfu
        else f"{args.mfu:.0%} assumed (not measured here), at every per-GPU batch"
    )
    out += [
        "",
        f"Assumed: {args.gpu}, dense bf16 peak {args.peak_tflops:g} TFLOP/s; MFU {mfu_note}; sequence length {LENGTH}; "
        f"{VISUAL_TOKENS_PER_SEQUENCE} visual tokens per sequence; bus bandwidth per GPU "
        f"{INTERCONNECT_GBPS[8]:g} GB/s within 8 GPUs, {INTERCONNECT_GBPS[64]:g} GB/s across 8 nodes; "
        f"BERT-large size, {parameters / 1e6:.1f} M parameters; a HowTo100M-sized corpus = 15 years of video = "
        f"{HOWTO100M_CLIPS / 1e6:.1f} M clips of 1.5 s (from {HOWTO100M_VIDEOS / 1e6:.1f} M videos; HowTo100M's "
        f"{HOWTO100M_NARRATED_CLIPS / 1e6:.0f} M narrated clips are captioned segments, not these), one epoch = "
        f"{HOWTO100M_CLIPS / VISUAL_TOKENS_PER_SEQUENCE / 1e6:.2f} M sequences (the paper's schedule, "
        f"{PAPER_STEPS * PAPER_BATCH / 1e6:.0f} M sequences, is "
        f"{PAPER_STEPS * PAPER_BATCH * VISUAL_TOKENS_PER_SEQUENCE / HOWTO100M_CLIPS:.1f} such epochs). Ranges: "
        "communication fully hidden behind compute .. not hidden at all.",
        "",
        "| workload | GPUs | strategy | per-GPU batch | steps | MFU | compute s/step | communication s/step | "
        "scaling efficiency | GPU-hours | wall-clock hours |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        low, high = row["gpu_hours"]
        efficiency = row["scaling_efficiency"]
        out.append(
            f"| {row['workload']} | {row['gpus']} | {row['strategy']} | {row['per_gpu_batch']} | "
            f"{row['steps']:,.0f} | {row['mfu']:.0%} ({row['mfu_source']}) | {row['compute_s']:.4f} | "
            f"{row['comm_s']:.4f} | {efficiency[0]:.0%} .. {efficiency[1]:.0%} | {low:,.1f} .. {high:,.1f} | "
            f"{row['hours'][0]:,.2f} .. {row['hours'][1]:,.2f} |"
        )
    if clips_per_s:
        encode_hours, source = HOWTO100M_CLIPS / clips_per_s / 3600, f"measured by the GPU check on {device}"
    else:
        encode_hours = HOWTO100M_CLIPS * s3d / (args.s3d_mfu * args.peak_tflops * 1e12) / 3600
        source = f"S3D FLOPs counted here at {args.s3d_mfu:.0%} MFU assumed"
    out += [
        "",
        f"Tokenizing the HowTo100M-sized corpus (the S3D pass over {HOWTO100M_CLIPS / 1e6:.1f} M clips, once): "
        f"{encode_hours:,.1f} GPU-hours ({source}; decoding on CPU cores not counted).",
    ]
    text = "\n".join(out) + "\n"
    print(text)
    if args.output:
        Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
