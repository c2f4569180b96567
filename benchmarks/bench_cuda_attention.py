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
VideoBertForPreTraining on a CUDA GPU in bfloat16, per attention implementation (eager, sdpa and, when `flash_attn`
is importable, flash_attention_2):

1. agreement: each backend's last hidden state and full prediction logits (bf16 weights, a padded batch, eval mode)
   against the same weights run with eager attention in float32 (TF32 off) as the reference. The error is the
   relative L2 error ||out - ref|| / ||ref|| over the non-padded positions; it must be <= --tolerance (default 3e-2
   for bf16, whose rounding unit is 2^-8 ~ 3.9e-3: bf16 weights and activations alone put eager and sdpa at
   1.2e-2 (hidden) / 1.4e-2 (logits) for the default 12-layer model, measured on CPU in bf16; a backend with a
   wrong mask or scaling is off by O(1)). Max absolute errors are printed too.
2. throughput: full pretraining steps (forward with masked-token labels and alignment labels, backward, AdamW step;
   bf16 weights, dropout as configured) on unpadded batches; tokens/s, steps/s, peak memory.
3. model FLOPs utilisation: MFU = model FLOPs per step x steps/s / the GPU's dense bf16 peak, with
       model FLOPs = 6 * (N_encoder * tokens + N_head * masked tokens + N_pooler * sequences)
                     + 12 * layers * hidden * length^2 * sequences                      (attention scores and values)
   where N_* are the weights multiplied by each token (the encoder's linear layers; the prediction head's transform
   and the tied decoder only on masked positions, as the model scores only those; pooler + alignment on [CLS]).
   Embedding look-ups do no FLOPs. The peak comes from a small table keyed on the device name (H100 SXM / H200
   989 TFLOPS, A100 312, ...; see PEAK_BF16_TFLOPS) or --peak-tflops; an unknown device reports MFU as n/a.

Prints a table; `--output FILE` writes the figures as JSON. Exits 1 when a backend disagrees beyond the tolerance.
Without a CUDA device it prints "skipped: no CUDA device" and exits 0.

    .venv/bin/python benchmarks/bench_cuda_attention.py                       # hidden 768, 12 layers, 32 x 512
    .venv/bin/python benchmarks/bench_cuda_attention.py --output cuda_attention.json --steps 50
"""

import argparse
import json
import math
import sys
import time

import torch

from videobert_hf import VideoBertConfig, VideoBertForPreTraining


SKIP_MESSAGE = "skipped: no CUDA device (torch.cuda.is_available() is False); nothing was measured"

# Dense (no sparsity) bf16 tensor-core peak in TFLOPS from the vendor's data sheets, matched as a substring of
# torch.cuda.get_device_name(); the more specific names come first.
PEAK_BF16_TFLOPS = (
    ("H100 PCIe", 756.0),
    ("H100 NVL", 835.0),
    ("H100", 989.0),  # SXM (reported as e.g. "NVIDIA H100 80GB HBM3")
    ("H200 NVL", 835.0),
    ("H200", 989.0),  # SXM, and GH200
    ("A100", 312.0),
    ("L40S", 362.0),
    ("L4", 121.0),
)

DEFAULT_TOLERANCE = {torch.bfloat16: 3e-2, torch.float16: 5e-3, torch.float32: 1e-4}
DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def flash_attention_available() -> bool:
    try:
        import flash_attn  # noqa: F401
    except ImportError:
        return False
    return True


def default_implementations() -> list[str]:
    return ["eager", "sdpa"] + (["flash_attention_2"] if flash_attention_available() else [])


def peak_bf16_tflops(device_name: str) -> float | None:
    """Dense bf16 peak of a GPU from its name, or None when the table does not know it."""
    for key, tflops in PEAK_BF16_TFLOPS:
        if key.lower() in device_name.lower():
            return tflops
    return None


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden-size", type=int, default=768)
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--length", type=int, default=512)
    parser.add_argument("--text-vocab-size", type=int, default=30522)
    parser.add_argument("--visual-levels", type=int, default=4)
    parser.add_argument("--visual-branching", type=int, default=12)
    parser.add_argument("--mask-fraction", type=float, default=0.15)
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per backend")
    parser.add_argument("--warmup-steps", type=int, default=3)
    parser.add_argument("--agreement-batch-size", type=int, default=4, help="sequences in the agreement check")
    parser.add_argument(
        "--implementations",
        default=None,
        help="comma-separated attention implementations (default: eager,sdpa and flash_attention_2 if importable)",
    )
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="bfloat16")
    parser.add_argument("--tolerance", type=float, default=None, help="max relative L2 error (default: per dtype)")
    parser.add_argument("--peak-tflops", type=float, default=None, help="override the GPU's dense peak for MFU")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=None, help="write the results as JSON to this file")
    return parser.parse_args(argv)


def make_config(args) -> VideoBertConfig:
    return VideoBertConfig(
        text_vocab_size=args.text_vocab_size,
        visual_vocab_size=args.visual_branching**args.visual_levels,
        hidden_size=args.hidden_size,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        intermediate_size=4 * args.hidden_size,
        max_position_embeddings=max(512, args.length),
    )


def build_model(config: VideoBertConfig, implementation: str, device, dtype, state_dict=None):
    config = VideoBertConfig.from_dict(config.to_dict())
    config._attn_implementation = implementation
    model = VideoBertForPreTraining(config)
    if state_dict is not None:
        model.load_state_dict(state_dict)
    return model.to(device=device, dtype=dtype)


def make_batch(config: VideoBertConfig, batch_size: int, length: int, mask_fraction: float, seed: int, padded: bool):
    """Half text, half visual tokens; [CLS] first; masked labels; alignment labels; optionally right padding."""
    generator = torch.Generator().manual_seed(seed)
    half = length // 2
    text = torch.randint(
        1000 % config.text_vocab_size, config.text_vocab_size, (batch_size, half), generator=generator
    )
    video = torch.randint(
        config.visual_token_offset, config.vocab_size, (batch_size, length - half), generator=generator
    )
    input_ids = torch.cat([text, video], dim=1)
    input_ids[:, 0] = 101 % config.text_vocab_size
    token_type_ids = torch.cat([torch.zeros_like(text), torch.ones_like(video)], dim=1)
    attention_mask = torch.ones_like(input_ids)
    if padded:  # sequence i keeps length - i * length // (2 * batch_size) positions (the first one is unpadded)
        for row in range(batch_size):
            keep = length - row * length // (2 * batch_size)
            attention_mask[row, keep:] = 0
    masked = (torch.rand(batch_size, length, generator=generator) < mask_fraction) & attention_mask.bool()
    masked[:, 0] = False
    masked[0, 1] = True  # at least one masked token
    labels = torch.where(masked, input_ids, torch.full_like(input_ids, -100))
    input_ids = input_ids.masked_fill(masked, 103 % config.text_vocab_size)
    input_ids = input_ids.masked_fill(attention_mask == 0, config.pad_token_id or 0)
    alignment_labels = torch.randint(0, 2, (batch_size,), generator=generator)
    return {
        "input_ids": input_ids,
        "token_type_ids": token_type_ids,
        "attention_mask": attention_mask,
        "labels": labels,
        "alignment_labels": alignment_labels,
    }


def relative_error(output: torch.Tensor, reference: torch.Tensor) -> tuple[float, float]:
    """Relative L2 error and max absolute error of `output` against `reference` (compared in float64)."""
    output, reference = output.double(), reference.double()
    difference = output - reference
    relative = float(difference.norm() / reference.norm().clamp(min=1e-30))
    return relative, float(difference.abs().max()) if difference.numel() else 0.0


@torch.no_grad()
def check_agreement(
    config, implementations, device, dtype=torch.bfloat16, tolerance=None, batch_size=4, length=64, seed=0
) -> dict:
    """
    Runs every attention implementation in `dtype` and eager attention in float32 (the reference) on the same
    weights and the same padded batch (eval mode, no labels: full `[batch, length, vocab]` logits) and returns, per
    implementation, the relative L2 / max absolute errors of the last hidden state and of the logits over the
    non-padded positions, and `ok` (both relative errors <= tolerance).
    """
    tolerance = DEFAULT_TOLERANCE[dtype] if tolerance is None else tolerance
    device = torch.device(device)
    torch.manual_seed(seed)
    reference_model = build_model(config, "eager", device, torch.float32).eval()
    state_dict = {key: value.detach().cpu() for key, value in reference_model.state_dict().items()}
    batch = make_batch(config, batch_size, length, 0.0, seed, padded=True)
    inputs = {key: batch[key].to(device) for key in ("input_ids", "token_type_ids", "attention_mask")}
    valid = inputs["attention_mask"].bool()

    allow_tf32 = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        reference = reference_model(**inputs, output_hidden_states=True)
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = allow_tf32
    reference_hidden = reference.hidden_states[-1][valid]
    reference_logits = reference.prediction_logits[valid]
    del reference_model, reference

    results = {}
    for implementation in implementations:
        model = build_model(config, implementation, device, dtype, state_dict).eval()
        output = model(**inputs, output_hidden_states=True)
        hidden_error, hidden_max = relative_error(output.hidden_states[-1][valid], reference_hidden)
        logits_error, logits_max = relative_error(output.prediction_logits[valid], reference_logits)
        results[implementation] = {
            "hidden_relative_l2": hidden_error,
            "hidden_max_abs": hidden_max,
            "logits_relative_l2": logits_error,
            "logits_max_abs": logits_max,
            "tolerance": tolerance,
            "ok": bool(hidden_error <= tolerance and logits_error <= tolerance and math.isfinite(logits_error)),
        }
        del model, output
    return results


def model_flops_per_step(
    config: VideoBertConfig, batch_size: int, length: int, masked_tokens: int, pooler: bool = True
) -> float:
    """
    Model FLOPs of one training step of `VideoBertForPreTraining` with `config` (forward + backward = 3 x forward; see
    the module docstring): the encoder's linear layers on every token, the prediction head (transform and the tied
    decoder over the joint vocabulary) on the masked tokens only, the pooler and alignment classifier on [CLS].
    """
    h, layers = config.hidden_size, config.num_hidden_layers
    encoder = layers * (4 * h * h + 2 * h * config.intermediate_size)
    head = h * h + config.vocab_size * h
    alignment = 2 * h + (h * h if pooler else 0)
    dense = 6 * (encoder * batch_size * length + head * masked_tokens + alignment * batch_size)
    attention = 12 * layers * h * length**2 * batch_size
    return float(dense + attention)


def flops_per_step(model: VideoBertForPreTraining, batch_size: int, length: int, masked_tokens: int) -> float:
    """Model FLOPs of one training step of `model` (`model_flops_per_step` of its config)."""
    return model_flops_per_step(
        model.config, batch_size, length, masked_tokens, pooler=model.videobert.pooler is not None
    )


def measure_throughput(config, implementation, device, dtype, args) -> dict:
    torch.manual_seed(args.seed)
    model = build_model(config, implementation, device, dtype).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    batch = make_batch(config, args.batch_size, args.length, args.mask_fraction, args.seed, padded=False)
    inputs = {key: value.to(device) for key, value in batch.items()}
    masked_tokens = int((batch["labels"] != -100).sum())

    def step():
        loss = model(**inputs).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss

    for _ in range(args.warmup_steps):
        step()
    on_cuda = device.type == "cuda"
    if on_cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    if on_cuda:
        torch.cuda.synchronize(device)
    elapsed = time.perf_counter() - start
    steps_per_s = args.steps / elapsed
    result = {
        "steps_per_s": steps_per_s,
        "tokens_per_s": steps_per_s * args.batch_size * args.length,
        "seconds_per_step": elapsed / args.steps,
        "model_flops_per_step": flops_per_step(model, args.batch_size, args.length, masked_tokens),
        "peak_memory_gib": torch.cuda.max_memory_allocated(device) / 2**30 if on_cuda else None,
        "final_loss": float(loss.detach()),
    }
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    if not torch.cuda.is_available():
        print(SKIP_MESSAGE)
        return 0
    return run(args, torch.device("cuda"))


def run(args: argparse.Namespace, device: torch.device) -> int:
    """The agreement check, the throughput runs, the table and the JSON on `device` (CUDA; CPU only for tests)."""
    on_cuda = device.type == "cuda"
    dtype = DTYPES[args.dtype]
    implementations = args.implementations.split(",") if args.implementations else default_implementations()
    device_name = torch.cuda.get_device_name(device) if on_cuda else "cpu"
    peak = args.peak_tflops if args.peak_tflops is not None else peak_bf16_tflops(device_name)
    config = make_config(args)
    print(
        f"{device_name}; torch {torch.__version__}; {args.dtype}; hidden {args.hidden_size}, {args.layers} layers, "
        f"{args.heads} heads, vocabulary {config.vocab_size:,}; batch {args.batch_size} x {args.length}; "
        f"implementations: {', '.join(implementations)}"
    )

    agreement = check_agreement(
        config,
        implementations,
        device,
        dtype,
        args.tolerance,
        batch_size=args.agreement_batch_size,
        length=args.length,
        seed=args.seed,
    )
    throughput = {}
    for name in implementations:
        throughput[name] = measure_throughput(config, name, device, dtype, args)
        if on_cuda:
            torch.cuda.empty_cache()  # the previous backend's model and optimizer state are gone

    print(
        f"\nagreement with eager float32 (relative L2 error, tolerance {next(iter(agreement.values()))['tolerance']})"
    )
    print(f"{'implementation':20s} {'hidden':>10s} {'logits':>10s} {'hidden max':>11s} {'logits max':>11s}  ok")
    for name, row in agreement.items():
        print(
            f"{name:20s} {row['hidden_relative_l2']:10.2e} {row['logits_relative_l2']:10.2e} "
            f"{row['hidden_max_abs']:11.2e} {row['logits_max_abs']:11.2e}  {'yes' if row['ok'] else 'NO'}"
        )
    peak_text = f"{peak:g} TFLOPS dense bf16" if peak is not None else "unknown (MFU n/a; pass --peak-tflops)"
    print(f"\ntraining step throughput (peak: {peak_text})")
    print(f"{'implementation':20s} {'tokens/s':>12s} {'steps/s':>9s} {'TFLOPS':>8s} {'MFU':>7s} {'memory GiB':>11s}")
    for name, row in throughput.items():
        achieved = row["model_flops_per_step"] * row["steps_per_s"] / 1e12
        row["achieved_tflops"] = achieved
        row["mfu"] = achieved / peak if peak else None
        mfu_text = f"{row['mfu']:.1%}" if row["mfu"] is not None else "n/a"
        memory_text = f"{row['peak_memory_gib']:.2f}" if row["peak_memory_gib"] is not None else "n/a"
        print(
            f"{name:20s} {row['tokens_per_s']:12,.0f} {row['steps_per_s']:9.3f} {achieved:8.1f} {mfu_text:>7s} "
            f"{memory_text:>11s}"
        )

    if args.output:
        report = {
            "device": device_name,
            "torch": torch.__version__,
            "dtype": args.dtype,
            "peak_tflops": peak,
            "settings": {k: v for k, v in vars(args).items() if k != "output"},
            "vocab_size": config.vocab_size,
            "agreement": agreement,
            "throughput": throughput,
        }
        with open(args.output, "w") as handle:
            json.dump(report, handle, indent=2)
        print(f"wrote {args.output}")
    failed = [name for name, row in agreement.items() if not row["ok"]]
    if failed:
        print(f"disagreement beyond the tolerance: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
