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
"""The COCO caption metrics (BLEU, METEOR, ROUGE-L, CIDEr), as the captioning papers report them."""

from collections.abc import Sequence

from videobert_hf.uses.summarization import normalize_caption


# Caption metric names, in the order of the paper's YouCook II table (BLEU-3, BLEU-4, METEOR, ROUGE-L, CIDEr).
CAPTION_METRICS = ("bleu_3", "bleu_4", "meteor", "rouge_l", "cider")


def caption_metrics(
    predictions: Sequence[str], references: Sequence[str | Sequence[str]], meteor: bool = True
) -> dict[str, float]:
    """
    BLEU-1..4, METEOR, ROUGE-L and CIDEr of generated captions against references, with the standard COCO caption
    evaluation code (`pycocoevalcap`: `Bleu`, `Meteor`, `Rouge`, `Cider`), as the captioning papers report them.

    Captions are normalised with `normalize_caption` instead of the Java PTB tokenizer (the same lower-casing and
    punctuation removal, without the Java start-up). Scores are fractions in [0, 1] (the paper prints BLEU, METEOR and
    ROUGE-L times 100), except CIDEr, whose scale is its own (0.55 in the paper's YouCook II row). CIDEr's document
    frequencies come from the references passed here, so it is only meaningful on a corpus of several videos.

    Args:
        predictions: one generated caption per example.
        references: for each example, one reference caption or a list of them.
        meteor: compute METEOR (starts the METEOR 1.5 Java jar shipped with `pycocoevalcap`; needs `java` on PATH).

    Returns:
        `{"bleu_1", "bleu_2", "bleu_3", "bleu_4", "rouge_l", "cider"}` and `"meteor"` when asked.
    """
    try:
        from pycocoevalcap.bleu.bleu import Bleu
        from pycocoevalcap.cider.cider import Cider
        from pycocoevalcap.rouge.rouge import Rouge
    except ImportError as error:
        raise ImportError(
            "caption_metrics needs the COCO caption evaluation code: `pip install pycocoevalcap` "
            "(or `pip install videobert_hf[captioning]`)."
        ) from error
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references: one each per example.")
    if not predictions:
        raise ValueError("caption_metrics needs at least one prediction.")
    res, gts = {}, {}
    for i, (prediction, reference) in enumerate(zip(predictions, references)):
        reference = [reference] if isinstance(reference, str) else list(reference)
        if not reference:
            raise ValueError(f"example {i} has no reference caption.")
        # an empty caption would make BLEU's counters divide by zero: it scores like a caption of one unknown word
        res[i] = [normalize_caption(prediction) or "<empty>"]
        gts[i] = [normalize_caption(r) or "<empty>" for r in reference]
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    scores = {f"bleu_{n + 1}": float(bleu[n]) for n in range(4)}
    scores["rouge_l"] = float(Rouge().compute_score(gts, res)[0])
    scores["cider"] = float(Cider().compute_score(gts, res)[0])
    if meteor:
        from pycocoevalcap.meteor.meteor import Meteor

        scorer = Meteor()
        try:
            scores["meteor"] = float(scorer.compute_score(gts, res)[0])
        finally:
            del scorer  # its __del__ stops the Java process
    return scores


__all__ = [
    "CAPTION_METRICS",
    "caption_metrics",
]
