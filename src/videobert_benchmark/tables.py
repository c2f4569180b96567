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
"""Markdown tables of the evaluation results (`videobert_benchmark.evaluation`), the baseline beside each figure."""


def format_zero_shot_table(results_by_split: dict[str, dict]) -> str:
    """Markdown table of zero-shot results (with video / language prior, where measured) for one or more splits."""
    lines = [
        "| split | segments | input | verb top-1 | verb top-5 | noun top-1 | noun top-5 | chance top-1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for split, r in results_by_split.items():
        for name, label in (("video", "video + template"), ("prior", "template only (language prior)")):
            if f"{name}_verb_top1" not in r:  # the readout from text to video has no language prior
                continue
            lines.append(
                f"| {split} | {r['segments']} | {label} | {r[f'{name}_verb_top1']:.1f} | {r[f'{name}_verb_top5']:.1f} "
                f"| {r[f'{name}_noun_top1']:.1f} | {r[f'{name}_noun_top5']:.1f} | {r['chance_top1']:.1f} |"
            )
    return "\n".join(lines)


def format_retrieval_table(results_by_split: dict[str, dict]) -> str:
    """Markdown table of retrieval results (`evaluate_retrieval`) for one or more splits, chance beside each figure."""
    lines = [
        "| split | direction | queries x candidates | R@1 (chance) | R@5 (chance) | R@10 (chance) | median rank "
        "(chance) |",
        "|---|---|---|---|---|---|---|",
    ]
    for split, r in results_by_split.items():
        for direction, label, size in (
            ("text_to_video", "text -> video", f"{r['sentences']} x {r['segments']}"),
            ("video_to_text", "video -> text", f"{r['segments']} x {r['sentences']}"),
        ):
            cells = [f"{r[f'{direction}_r{k}']:.1f} ({r[f'{direction}_chance_r{k}']:.1f})" for k in (1, 5, 10)]
            median = f"{r[f'{direction}_median_rank']:g} ({r[f'{direction}_chance_median_rank']:g})"
            lines.append(f"| {split} | {label} | {size} | {' | '.join(cells)} | {median} |")
    return "\n".join(lines)


def format_visual_prediction_tables(results) -> str:
    """Markdown tables of `evaluate_text_to_video` (`results["text_to_video"]`) and `evaluate_forecasting`."""
    t2v, forecast = results["text_to_video"], results["forecasting"]
    lines = [
        f"| text-to-video, {t2v['segments']} annotated steps (in %) | with the sentence | no sentence (prior) | "
        "reference |",
        "|---|---|---|---|",
        f"| predicted tokens among the step's own | {t2v['token_hit_rate']:.1f} | {t2v['prior_token_hit_rate']:.1f} "
        f"| {t2v['chance_token_hit_rate']:.1f} (a random token) |",
    ]
    for key in [k[len("reference_") : -len("_accuracy")] for k in t2v if k.startswith("reference_")]:
        lines.append(
            f"| the predicted tokens' majority {key} is the step's | {t2v[f'{key}_accuracy']:.1f} | "
            f"{t2v[f'prior_{key}_accuracy']:.1f} | {t2v[f'reference_{key}_accuracy']:.1f} (the step's real tokens) |"
        )
    horizons = [int(k[1 : -len("_count")]) for k in forecast if k.endswith("_count")]
    lines += [
        "",
        f"| forecasting, {forecast['cuts']} cuts of {forecast['videos']} videos (in %) | "
        + " | ".join(f"t+{h}" for h in horizons)
        + " |",
        "|---" * (len(horizons) + 1) + "|",
    ]
    rows = [("top1", "top-1"), ("top5", "top-5"), ("last_top1", "repeating the last token, top-1")]
    if "h1_markov_top1" in forecast:
        rows.append(("markov_top1", "the training videos' most frequent next token (chained), top-1"))
    if "h1_step_oracle_top1" in forecast:
        rows.append(("step_oracle_top1", "an oracle told the clip's step: its most frequent training token, top-1"))
    if "h1_current_step_oracle_top1" in forecast:
        rows.append(("current_step_oracle_top1", "an oracle told the last observed clip's step: the same, top-1"))
    rows.append(("chance_top1", "a random token, top-1"))
    if "h1_step_top1" in forecast:
        rows += [
            (
                "step_top1",
                "read as steps (a word names the verb and noun it met most in training): the model's likeliest step",
            ),
            ("step_last_top1", "read as a step: the last observed clip names it (repeating it)"),
            ("step_reference_top1", "read as a step: the real clip names it (what its words carry)"),
            ("step_changed", "read as a step: cuts where the step is not the last observed clip's (share)"),
            ("step_changed_top1", "read as a step, on those cuts: the model's likeliest step"),
            ("step_changed_last_top1", "read as a step, on those cuts: the last observed clip names it"),
        ]
    if "h1_step_top_clip_top1" in forecast:
        rows.append(
            ("step_top_clip_top1", "read as a step: the model's top clip names it (its top word of each codebook)")
        )
    if "h1_step_then_token_top1" in forecast:
        rows.append(("step_then_token_top1", "step then token: the last word while the likeliest step goes on, top-1"))
    if "h1_told_next_step_top1" in forecast:
        rows += [
            ("told_last_step_top1", "told the observed clips' steps (no model): repeating the last step"),
            ("told_next_step_top1", "told the observed clips' steps: the training recipes' likeliest next step"),
        ]
    if "h1_told_token_top1" in forecast:
        rows += [
            ("told_last_token_top1", "told the steps, on exact tokens (same clips): repeating the last token"),
            ("told_token_top1", "told the steps, on exact tokens: that step, the last token while it goes on"),
        ]
    for name, label in rows:
        values = [forecast.get(f"h{h}_{name}", forecast.get(name)) for h in horizons]
        lines.append(f"| {label} | " + " | ".join("-" if v is None else f"{v:.1f}" for v in values) + " |")
    return "\n".join(lines)


__all__ = ["format_retrieval_table", "format_visual_prediction_tables", "format_zero_shot_table"]
