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
"""How much of the verb and the noun the visual tokens carry, without any model: each visual token votes for the label
it co-occurred with most in the training split, and an evaluation segment takes the majority vote of its clips.

Reads the output of `make demo` (or any folder laid out like it) and prints segment-level vote accuracy per label,
an upper-bound-style reference for the zero-shot figures.

    .venv/bin/python benchmarks/token_purity.py --demo_output demo_output
"""

import argparse
from pathlib import Path

import datasets

from videobert_benchmark.evaluation import labelled_segments, token_label_votes, vote
from videobert_hf.corpus import read_youcook2


def segments(root: Path, split: str):
    dataset = datasets.load_from_disk(root / "tokenized" / split)
    return labelled_segments(dataset, read_youcook2(root / "data" / split / "youcookii_annotations.json"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo_output", default="demo_output")
    parser.add_argument("--splits", default="heldout,unseen_pairs")
    args = parser.parse_args(argv)
    root = Path(args.demo_output)
    train = segments(root, "train")
    for split in args.splits.split(","):
        evaluated = segments(root, split)
        for key in ("verb", "noun"):
            votes = token_label_votes(train, key)
            correct = sum(vote(ids, votes) == labels[key] for _, ids, labels in evaluated)
            print(f"{split:13s} {key}: token-vote accuracy {100 * correct / len(evaluated):.1f} % of {len(evaluated)}")


if __name__ == "__main__":
    main()
