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
The corpus formats users have, read and validated once, here: every script reads transcripts and finds videos through
these functions.

- YouCook II annotations: `{"database": {video_id: {"duration": s, "subset": ..., "annotations":
  [{"segment": [start, end], "sentence": "..."}, ...]}}}`;
- HowTo100M-style captions: a CSV with the columns `video_id,start,end,text`, or a JSON
  `{video_id: {"start": [...], "end": [...], "text": [...]}}` (the released `caption.json`).

Both read into `Transcripts`, `{video_id: [TimedSentence, ...]}` in time order. What a reader does with a bad file:

- **Structure** (raises `AnnotationFormatError` naming the file and the entry): a file that is not UTF-8, not JSON or
  not CSV; a JSON top level, video entry or annotation that is not an object; a key twice in one JSON object (JSON
  would keep the last one: data lost); no `database`; `annotations` that is not a list; an annotation without
  `segment` or `sentence`; a segment that is not `[start, end]`; HowTo `start` / `end` / `text` that are not lists of
  one length; a CSV without the four columns, a row with more fields than the header (a text with an unquoted comma),
  a row without video id. A file that does not follow its format is probably not the file meant: nothing in it can
  be trusted, and it fails before any video is decoded.
- **Nothing to read** (raises `AnnotationFormatError`): a file without any sentence (`{}`, a CSV with its header only),
  a `subset` that no video has (a typo; the message lists the subsets there are), a file whose every sentence is
  skipped. An empty transcript set would otherwise tokenize the whole corpus video-only, without a word.
- **A bad sentence** (skipped and reported): a time that is not a finite number (`null`, `"abc"`, `NaN`, `"inf"`), a
  negative time, an end before the start, no text (`null`, `""`, blank or invisible characters, not a string, a CSV
  row that ends before its text). Real ASR has such entries, and one of them must not stop the reading of millions:
  the sentence is left out, and listed in the returned `Transcripts.skipped` (file, video, entry, reason) and in one
  warning per file; the data scripts write the list to `skipped_sentences.json`. A video whose every sentence was
  skipped keeps an empty list.

Every sentence a reader returns has finite times, `0 <= start <= end`, and text with a visible character.

`find_videos` maps video ids (file stems) to files; two files of one id (`a.mp4` and `a.mkv`) are ambiguous: both are
left out, reported in `VideoFiles.duplicates` and a warning (the data scripts add them to `bad_videos.json`).
"""

import csv
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from transformers.utils import logging


logger = logging.get_logger(__name__)

VIDEO_EXTENSIONS = (".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v")
_CSV_COLUMNS = ("video_id", "start", "end", "text")


@dataclass(frozen=True)
class TimedSentence:
    """One sentence with its time span in seconds; `extra` keeps any other annotation keys (e.g. labels)."""

    start: float
    end: float
    text: str
    extra: tuple = ()

    def get(self, key, default=None):
        return dict(self.extra).get(key, default)


@dataclass(frozen=True)
class SkippedSentence:
    """A sentence a reader left out: the file, the video, the entry (e.g. `annotations[3]`, `line 12`) and why."""

    file: str
    video_id: str
    entry: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: video {self.video_id!r}, {self.entry}: {self.reason}"


class Transcripts(dict):
    """`{video_id: [TimedSentence, ...]}` in time order, with the sentences the reader skipped in `skipped`."""

    def __init__(self, videos=(), skipped=()):
        super().__init__(videos)
        self.skipped: list[SkippedSentence] = list(skipped)


class VideoFiles(dict):
    """`{video_id: file}`, with the ids of several files (left out of the mapping) in `duplicates`."""

    def __init__(self, files=(), duplicates=None):
        super().__init__(files)
        self.duplicates: dict[str, list[Path]] = dict(duplicates or {})


class AnnotationFormatError(ValueError):
    """An annotation or caption file that does not follow its format; the message names the file and the entry."""


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


def _load_json(path):
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return json.load(handle, object_pairs_hook=_unique_keys)
    except _DuplicateKey as duplicate:
        raise AnnotationFormatError(
            f"{path}: the key {duplicate.args[0]!r} appears twice in one object (JSON keeps only the last one)."
        ) from None
    except UnicodeDecodeError as error:
        raise AnnotationFormatError(f"{path}: not UTF-8 text ({error}).") from error
    except (json.JSONDecodeError, RecursionError) as error:
        raise AnnotationFormatError(f"{path}: not valid JSON ({error}).") from error


def _time(value) -> float | str:
    """A time in seconds, or why it is not one."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return f"the time {value!r} is not a number"
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            value = float(value)
        except OverflowError:  # an integer beyond float's range
            return "a time is not finite"
    else:
        return f"the time {value!r} is not a number"
    if not math.isfinite(value):
        return f"the time {value} is not finite"
    if value < 0:
        return f"the time {value} is negative"
    return value


def _has_text(text) -> bool:
    return isinstance(text, str) and any(ch.isprintable() and not ch.isspace() for ch in text)


class _Reader:
    """Collects one file's sentences and the ones it skips."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self.videos: dict[str, list[TimedSentence]] = {}
        self.skipped: list[SkippedSentence] = []

    def error(self, message) -> AnnotationFormatError:
        return AnnotationFormatError(f"{self.path}: {message}")

    def add(self, video_id, entry, start, end, text, extra=()) -> None:
        sentences = self.videos.setdefault(video_id, [])
        start, end = _time(start), _time(end)
        reason = next((t for t in (start, end) if isinstance(t, str)), None)
        if reason is None and end < start:
            reason = f"it ends before it starts ({start}, {end})"
        if reason is None and not _has_text(text):
            reason = f"no text ({text!r})"
        if reason is not None:
            self.skipped.append(SkippedSentence(self.path, video_id, entry, reason))
            return
        sentences.append(TimedSentence(start, end, text.strip(), tuple(extra)))

    def result(self, what: str = "sentence") -> Transcripts:
        if not any(self.videos.values()):
            if self.skipped:
                raise self.error(f"every one of its {len(self.skipped)} sentences is unusable, e.g. {self.skipped[0]}")
            raise self.error(f"no {what} in it.")
        if self.skipped:
            shown = "; ".join(str(s) for s in self.skipped[:3])
            more = f" and {len(self.skipped) - 3} more" if len(self.skipped) > 3 else ""
            logger.warning(
                f"{self.path}: skipped {len(self.skipped)} sentences (a time that is not a finite non-negative number, "
                f"an end before the start, or no text): {shown}{more}."
            )
        return Transcripts(
            {video_id: sorted(s, key=lambda x: (x.start, x.end)) for video_id, s in self.videos.items()}, self.skipped
        )


def _youcook2(path, data, subset: str | None) -> Transcripts:
    reader = _Reader(path)
    if not isinstance(data, dict) or "database" not in data:
        raise reader.error("not a YouCook II annotation file (no 'database' key in a top-level object).")
    database = data["database"]
    if not isinstance(database, dict):
        raise reader.error(f"'database' must be an object of videos, got {type(database).__name__}.")
    subsets = set()
    for video_id, entry in database.items():
        if not isinstance(entry, dict):
            raise reader.error(f"video {video_id!r}: its entry must be an object, got {type(entry).__name__}.")
        subsets.add(str(entry.get("subset")))
        if subset is not None and entry.get("subset") != subset:
            continue
        annotations = entry.get("annotations", [])
        if not isinstance(annotations, list):
            raise reader.error(f"video {video_id!r}: 'annotations' must be a list, got {annotations!r}.")
        reader.videos.setdefault(video_id, [])
        for i, annotation in enumerate(annotations):
            where = f"video {video_id!r}, annotations[{i}]"
            if not isinstance(annotation, dict) or "segment" not in annotation or "sentence" not in annotation:
                raise reader.error(f"{where}: an annotation must be an object with 'segment' and 'sentence'.")
            segment = annotation["segment"]
            if not isinstance(segment, list) or len(segment) != 2:
                raise reader.error(f"{where}: 'segment' must be [start, end], got {segment!r}.")
            extra = tuple((k, v) for k, v in annotation.items() if k not in ("segment", "sentence"))
            reader.add(video_id, f"annotations[{i}]", *segment, annotation["sentence"], extra)
    if subset is not None and not reader.videos:
        raise reader.error(f"no video of the subset {subset!r}; its subsets: {sorted(subsets)}.")
    return reader.result()


def _howto100m_json(path, data) -> Transcripts:
    reader = _Reader(path)
    if not isinstance(data, dict):
        raise reader.error(f"a caption JSON must be an object of videos, got {type(data).__name__}.")
    for video_id, entry in data.items():
        columns = [entry.get(key) if isinstance(entry, dict) else None for key in ("start", "end", "text")]
        if not all(isinstance(column, list) for column in columns) or len({len(c) for c in columns}) != 1:
            raise reader.error(f"video {video_id!r}: needs 'start', 'end' and 'text' lists of one length.")
        reader.videos.setdefault(video_id, [])
        for i, (start, end, text) in enumerate(zip(*columns)):
            reader.add(video_id, f"entry {i}", start, end, text)
    return reader.result()


def _howto100m_csv(path) -> Transcripts:
    reader = _Reader(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = csv.reader(handle)
            header = [name.strip() for name in next(rows, [])]
            missing = [name for name in _CSV_COLUMNS if name not in header]
            if missing:
                raise reader.error(f"the CSV lacks the columns {missing} (its header: {header}).")
            index = [header.index(name) for name in _CSV_COLUMNS]
            for row in rows:
                if not row:  # a blank line
                    continue
                where = f"line {rows.line_num}"
                if len(row) > len(header):
                    raise reader.error(
                        f"{where} has {len(row)} fields, the header {len(header)} (a text with an unquoted comma?)."
                    )
                row += [None] * (len(header) - len(row))  # a short row: its last values are missing
                video_id, start, end, text = (row[i] for i in index)
                if not video_id:
                    raise reader.error(f"{where} has no video_id.")
                reader.add(video_id, where, start, end, text)
    except UnicodeDecodeError as error:
        raise reader.error(f"not UTF-8 text ({error}).") from error
    except csv.Error as error:
        raise reader.error(f"not a valid CSV ({error}).") from error
    return reader.result("caption row")


def read_youcook2(path: str | os.PathLike, subset: str | None = None) -> Transcripts:
    """Reads a YouCook II annotation JSON; `subset` ("training", "validation") keeps that subset only."""
    return _youcook2(path, _load_json(path), subset)


def read_howto100m_captions(path: str | os.PathLike) -> Transcripts:
    """Reads HowTo100M-style ASR captions from a CSV (`video_id,start,end,text`) or the released JSON layout."""
    if str(path).lower().endswith(".json"):
        return _howto100m_json(path, _load_json(path))
    return _howto100m_csv(path)


def read_transcripts(path: str | os.PathLike, subset: str | None = None) -> Transcripts:
    """YouCook II JSON (with a 'database' key) or HowTo100M CSV / JSON, told apart by their content."""
    if str(path).lower().endswith(".json"):
        data = _load_json(path)
        if isinstance(data, dict) and "database" in data:
            return _youcook2(path, data, subset)
        transcripts = _howto100m_json(path, data)
    else:
        transcripts = _howto100m_csv(path)
    if subset is not None:
        raise ValueError(f"subset={subset!r}: subsets are a YouCook II notion, and {path} holds HowTo100M captions.")
    return transcripts


def find_videos(videos_dir: str | os.PathLike, video_ids=None) -> VideoFiles:
    """
    Maps video ids (file stems) to files under `videos_dir`; with `video_ids`, only those (missing ones omitted). An
    id with several files (`a.mp4`, `a.mkv`) is ambiguous: it is left out and listed in `duplicates`, with a warning.
    """
    found: dict[str, list[Path]] = {}
    for file in sorted(Path(videos_dir).iterdir()):
        if file.suffix.lower() in VIDEO_EXTENSIONS and file.is_file():
            found.setdefault(file.stem, []).append(file)
    if video_ids is not None:
        wanted = set(video_ids)
        found = {k: v for k, v in found.items() if k in wanted}
    duplicates = {k: v for k, v in found.items() if len(v) > 1}
    for video_id, files in duplicates.items():
        logger.warning(
            f"{videos_dir}: {len(files)} files have the video id {video_id!r} ({', '.join(f.name for f in files)}): "
            "left out, as the transcript may belong to either; rename or remove all but one."
        )
    return VideoFiles({k: v[0] for k, v in found.items() if len(v) == 1}, duplicates)


__all__ = [
    "AnnotationFormatError",
    "SkippedSentence",
    "TimedSentence",
    "Transcripts",
    "VIDEO_EXTENSIONS",
    "VideoFiles",
    "find_videos",
    "read_howto100m_captions",
    "read_transcripts",
    "read_youcook2",
]
