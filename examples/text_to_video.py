#!/usr/bin/env python
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
Text-to-video and forecasting with a pretrained VideoBERT's fill-mask head, drawn as a storyboard PNG of the visual
tokens' thumbnails (the frame of the fitted clip nearest each codebook centroid).

- text-to-video: `[CLS] sentence [>] [MASK] x N [SEP]`, the most likely visual token at each position, read from one
  forward pass (`--decoding parallel`, the paper's argmax per position) or filled one position at a time, earliest
  first (`--decoding left_to_right`);
- `--forecast`: from the visual tokens of a video (a file, or a video of a tokenized split), the video-only sequence
  `[CLS] v1 .. vt [MASK] x h [SEP]` gives the likely tokens 1..h steps ahead;
- `--evaluate`: both on a tokenized split with its annotations, in figures (`evaluate_text_to_video`,
  `evaluate_forecasting`): each annotated step's sentence predicts as many tokens as the step has clips, compared
  with the step's own tokens and, through the labels of a labelled split's tokens (`--label_dataset_path`), with
  its verb and noun; every video is forecast from cuts every `--stride` tokens, against repeating the last token
  (with the labels, also read as steps: the model's likeliest verb and noun against the last clip's, and what a
  forecaster told the observed clips' annotated steps gains over repeating the last one, `forecasting_told_steps`).

    python examples/text_to_video.py --model_name_or_path videobert/ --visual_tokenizer_path vocab/visual_tokenizer \\
        --sentence "slice the onion" --output_file storyboard.png
    python examples/text_to_video.py --model_name_or_path videobert/ --visual_tokenizer_path vocab/visual_tokenizer \\
        --forecast --video cooking.mp4 --prefix_tokens 6 --horizon 4 --output_file forecast.png
    python examples/text_to_video.py --model_name_or_path videobert/ --evaluate \
        --dataset_path tokenized/heldout --annotations data/heldout/youcookii_annotations.json \
        --label_dataset_path tokenized/train --label_annotations data/train/youcookii_annotations.json
"""

import argparse
import logging
import sys

from transformers import AutoModelForMaskedLM, AutoProcessor

import videobert_hf  # noqa: F401  (registers VideoBERT with the Auto classes)
from videobert_benchmark.evaluation import (
    annotated_segments,
    clip_steps,
    evaluate_forecasting,
    evaluate_text_to_video,
    forecasting_told_steps,
    labelled_segments,
    token_label_votes,
)
from videobert_benchmark.tables import format_visual_prediction_tables
from videobert_hf import VideoBertVisualTokenizer
from videobert_hf.corpus import read_youcook2, tokenize_video
from videobert_hf.uses import (
    DECODING_MODES,
    forecast_storyboard,
    forecast_visual_tokens,
    resolve_visual_tokenizer,
    text_to_video,
    text_to_video_storyboard,
)


logger = logging.getLogger("text_to_video")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_name_or_path", required=True, help="A VideoBERT checkpoint (any head with MLM).")
    parser.add_argument("--processor_name_or_path", help="Defaults to --model_name_or_path.")
    parser.add_argument(
        "--visual_tokenizer_path",
        help="The fitted VideoBertVisualTokenizer (thumbnails, and tokens of --video); default: the model's own.",
    )
    parser.add_argument("--sentence", help="Text-to-video: the sentence to illustrate.")
    parser.add_argument("--num_tokens", type=int, default=8, help="Text-to-video: visual tokens to predict.")
    parser.add_argument("--forecast", action="store_true", help="Forecast from a video prefix instead.")
    parser.add_argument("--video", help="Forecast: a video file (tokenized with the visual tokenizer).")
    parser.add_argument("--dataset_path", help="Forecast: a split tokenized by examples/tokenize_videos.py ...")
    parser.add_argument("--video_id", help="... and the video of it to forecast (default: its first row).")
    parser.add_argument("--prefix_tokens", type=int, default=8, help="Forecast: observed tokens (the video's first).")
    parser.add_argument("--horizon", type=int, default=4, help="Forecast: steps ahead to predict.")
    parser.add_argument("--decoding", choices=DECODING_MODES, default="parallel")
    parser.add_argument("--output_file", default="storyboard.png", help="Where to write the storyboard PNG.")
    parser.add_argument("--evaluate", action="store_true", help="Figures on --dataset_path + --annotations instead.")
    parser.add_argument("--annotations", help="Evaluate: YouCook II JSON of --dataset_path's steps.")
    parser.add_argument("--label_dataset_path", help="Evaluate: a tokenized split whose tokens' labels are read ...")
    parser.add_argument("--label_annotations", help="... from this YouCook II JSON (with the --label_keys).")
    parser.add_argument("--label_keys", nargs="+", default=["verb", "noun"], help="Evaluate: annotation labels.")
    parser.add_argument(
        "--stride", type=int, default=4, help="Evaluate: a forecast from every N-th token (the demo's: 1)."
    )
    return parser.parse_args(argv)


def evaluate(args, model, processor) -> dict:
    import datasets

    if not args.dataset_path or not args.annotations:
        raise SystemExit("--evaluate needs --dataset_path and --annotations.")
    dataset = datasets.load_from_disk(args.dataset_path)
    votes = None
    if args.label_dataset_path:
        if not args.label_annotations:
            raise SystemExit("--label_dataset_path needs --label_annotations.")
        label_dataset = datasets.load_from_disk(args.label_dataset_path)
        label_annotations = read_youcook2(args.label_annotations)
        labelled = labelled_segments(label_dataset, label_annotations, args.label_keys)
        votes = {key: token_label_votes(labelled, key) for key in args.label_keys}
    annotations = read_youcook2(args.annotations)
    segments = list(annotated_segments(dataset, annotations))
    steps = None  # with the labels: forecasting also read as steps
    if votes is not None:
        steps = [labels for _, labels in clip_steps(dataset, annotations, processor.special_ids, tuple(votes))]
    results = {
        "text_to_video": evaluate_text_to_video(model, processor, segments, votes),
        "forecasting": evaluate_forecasting(
            model,
            processor,
            [row["visual_ids"] for row in dataset],
            args.horizon,
            stride=args.stride,
            steps=steps,
            label_votes=votes,
        ),
    }
    if votes is not None:  # what knowing the observed clips' steps can gain over repeating, no model
        results["forecasting"].update(
            forecasting_told_steps(
                dataset,
                annotations,
                label_dataset,
                label_annotations,
                processor.special_ids,
                args.horizon,
                stride=args.stride,
                label_keys=tuple(votes),
            )
        )
    print(format_visual_prediction_tables(results))
    return results


def load_prefix(args, processor, visual_tokenizer) -> list[int]:
    if args.video:
        ids = tokenize_video(processor.video_processor, visual_tokenizer, args.video)
        source = args.video
    elif args.dataset_path:
        import datasets

        dataset = datasets.load_from_disk(args.dataset_path)
        rows = [r for r in dataset if args.video_id is None or r["video_id"] == args.video_id][:1]
        if not rows:
            raise SystemExit(f"{args.dataset_path} has no video {args.video_id!r}.")
        ids, source = list(rows[0]["visual_ids"]), rows[0]["video_id"]
    else:
        raise SystemExit("--forecast needs --video or --dataset_path.")
    if not ids:
        raise SystemExit(f"{source} has no visual token (shorter than one clip?): nothing to forecast from.")
    return ids[: args.prefix_tokens]


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stdout)
    model = AutoModelForMaskedLM.from_pretrained(args.model_name_or_path)
    processor = AutoProcessor.from_pretrained(args.processor_name_or_path or args.model_name_or_path)
    processor.check_config(model.config)
    if args.evaluate:
        return evaluate(args, model, processor)
    visual_tokenizer = resolve_visual_tokenizer(
        model,
        VideoBertVisualTokenizer.from_pretrained(args.visual_tokenizer_path) if args.visual_tokenizer_path else None,
    )
    if args.forecast:
        prefix = load_prefix(args, processor, visual_tokenizer)
        predictions = forecast_visual_tokens(model, processor, prefix, args.horizon, top_k=3, decoding=args.decoding)
        print(f"observed: {' '.join(f'V{i}' for i in prefix)}")
        for h, (ids, probs) in enumerate(zip(predictions.ids.tolist(), predictions.probs.tolist()), start=1):
            print(f"t+{h}: " + ", ".join(f"V{i} ({p:.2f})" for i, p in zip(ids, probs)))
        path = forecast_storyboard(
            model, processor, prefix, args.output_file, visual_tokenizer, args.horizon, decoding=args.decoding
        )
    else:
        if not args.sentence:
            raise SystemExit("Pass --sentence (text-to-video) or --forecast.")
        predictions = text_to_video(model, processor, args.sentence, args.num_tokens, top_k=3, decoding=args.decoding)
        for p, (ids, probs) in enumerate(zip(predictions.ids.tolist(), predictions.probs.tolist()), start=1):
            print(f"position {p}: " + ", ".join(f"V{i} ({q:.2f})" for i, q in zip(ids, probs)))
        path = text_to_video_storyboard(
            model, processor, args.sentence, args.output_file, visual_tokenizer, args.num_tokens, args.decoding
        )
    print(f"storyboard: {path}")
    return path


if __name__ == "__main__":
    main()
