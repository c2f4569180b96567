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
The corpus formats users have.

- YouCook II annotations: `{"database": {video_id: {"duration": s, "subset": ..., "annotations":
  [{"segment": [start, end], "sentence": "..."}, ...]}}}`;
- HowTo100M-style captions: a CSV with the columns `video_id,start,end,text`, or a JSON
  `{video_id: {"start": [...], "end": [...], "text": [...]}}` (the released `caption.json`).

Both read into `{video_id: [TimedSentence, ...]}` in time order.
"""

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path


VIDEO_EXTENSIONS = (".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v")


@dataclass(frozen=True)
class TimedSentence:
    """One sentence with its time span in seconds; `extra` keeps any other annotation keys (e.g. labels)."""

    start: float
    end: float
    text: str
    extra: tuple = ()

    def get(self, key, default=None):
        return dict(self.extra).get(key, default)


class AnnotationFormatError(ValueError):
    """An annotation or caption file that does not follow its format; the message names the file and the entry."""


def _sentence(path, video_id, start, end, text, extra=()) -> TimedSentence:
    try:
        start, end = float(start), float(end)
    except (TypeError, ValueError) as error:
        raise AnnotationFormatError(f"{path}: video {video_id!r} has a non-numeric time ({start}, {end}).") from error
    if end < start:
        raise AnnotationFormatError(
            f"{path}: video {video_id!r} has a sentence ending before it starts ({start}, {end})."
        )
    return TimedSentence(start, end, str(text).strip(), tuple(extra))


def read_youcook2(path: str | os.PathLike, subset: str | None = None) -> dict[str, list[TimedSentence]]:
    """Reads a YouCook II annotation JSON; `subset` ("training", "validation") keeps that subset only."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if "database" not in data:
        raise AnnotationFormatError(f"{path}: not a YouCook II annotation file (no 'database' key).")
    videos = {}
    for video_id, entry in data["database"].items():
        if subset is not None and entry.get("subset") != subset:
            continue
        sentences = []
        for annotation in entry.get("annotations", []):
            if "segment" not in annotation or "sentence" not in annotation:
                raise AnnotationFormatError(f"{path}: video {video_id!r} has an annotation without segment/sentence.")
            start, end = annotation["segment"]
            extra = tuple((k, v) for k, v in annotation.items() if k not in ("segment", "sentence"))
            sentences.append(_sentence(path, video_id, start, end, annotation["sentence"], extra))
        videos[video_id] = sorted(sentences, key=lambda s: (s.start, s.end))
    return videos


def read_howto100m_captions(path: str | os.PathLike) -> dict[str, list[TimedSentence]]:
    """Reads HowTo100M-style ASR captions from a CSV (`video_id,start,end,text`) or the released JSON layout."""
    videos: dict[str, list[TimedSentence]] = {}
    if str(path).endswith(".json"):
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        for video_id, entry in data.items():
            try:
                rows = zip(entry["start"], entry["end"], entry["text"], strict=True)
            except (KeyError, TypeError, ValueError) as error:
                raise AnnotationFormatError(f"{path}: video {video_id!r} needs start/end/text lists.") from error
            videos[video_id] = [_sentence(path, video_id, s, e, t) for s, e, t in rows]
    else:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"video_id", "start", "end", "text"} - set(reader.fieldnames or [])
            if missing:
                raise AnnotationFormatError(f"{path}: the CSV lacks the columns {sorted(missing)}.")
            for row in reader:
                videos.setdefault(row["video_id"], []).append(
                    _sentence(path, row["video_id"], row["start"], row["end"], row["text"])
                )
    return {video_id: sorted(s, key=lambda x: (x.start, x.end)) for video_id, s in videos.items()}


def read_transcripts(path: str | os.PathLike, subset: str | None = None) -> dict[str, list[TimedSentence]]:
    """YouCook II JSON (with a 'database' key) or HowTo100M CSV / JSON, told apart by their content."""
    if str(path).endswith(".json"):
        with open(path, encoding="utf-8") as handle:
            is_youcook = "database" in json.load(handle)
        if is_youcook:
            return read_youcook2(path, subset)
    return read_howto100m_captions(path)


def find_videos(videos_dir: str | os.PathLike, video_ids=None) -> dict[str, Path]:
    """Maps video ids (file stems) to files under `videos_dir`; with `video_ids`, only those (missing ones omitted)."""
    files = {}
    for file in sorted(Path(videos_dir).iterdir()):
        if file.suffix.lower() in VIDEO_EXTENSIONS and file.is_file():
            files.setdefault(file.stem, file)
    if video_ids is not None:
        wanted = set(video_ids)
        files = {k: v for k, v in files.items() if k in wanted}
    return files


__all__ = [
    "AnnotationFormatError",
    "TimedSentence",
    "VIDEO_EXTENSIONS",
    "find_videos",
    "read_howto100m_captions",
    "read_transcripts",
    "read_youcook2",
]
