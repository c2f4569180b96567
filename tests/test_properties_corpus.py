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
Property-based tests (hypothesis) of the transcript readers (`videobert_hf.corpus.readers`), one group per format
(YouCook II JSON, HowTo100M JSON, HowTo100M CSV):

- whatever the file holds (near-valid structures with bad times and texts, arbitrary JSON, arbitrary bytes), the reader
  either returns sentences with finite, ordered (`0 <= start <= end`) times and text with a visible character, and
  accounts for every entry of the file as a sentence or a skipped entry (nothing silently lost), or raises
  `AnnotationFormatError` naming the file: never another exception;
- a valid file reads back exactly what was written (times, stripped texts, time order).

Every test is derandomized (the same examples on every run) and keeps no example database.
"""

import csv
import json
import math

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from videobert_hf.corpus import AnnotationFormatError, read_howto100m_captions, read_transcripts, read_youcook2


def properties(max_examples):
    """Deterministic hypothesis settings: derandomized, no deadline, no database."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )


@pytest.fixture
def file(tmp_path):
    """A path per file name, rewritten by every example (hypothesis reuses the test's fixtures across examples)."""
    return lambda name: tmp_path / name


def check_accepted(transcripts, path):
    """The readers' promise for a file they accept."""
    for video_id, sentences in transcripts.items():
        assert isinstance(video_id, str)
        for sentence in sentences:
            assert math.isfinite(sentence.start) and math.isfinite(sentence.end)
            assert 0 <= sentence.start <= sentence.end
            assert isinstance(sentence.text, str) and sentence.text == sentence.text.strip()
            assert any(ch.isprintable() and not ch.isspace() for ch in sentence.text)
        assert [(s.start, s.end) for s in sentences] == sorted((s.start, s.end) for s in sentences)
    assert any(transcripts.values())  # an accepted file has at least one sentence
    for skipped in transcripts.skipped:
        assert skipped.file == str(path) and str(path) in str(skipped) and skipped.reason


def read_or_reject(read, path, *args):
    """The transcripts, or None when the reader rejects the file with an `AnnotationFormatError` naming it."""
    try:
        transcripts = read(path, *args)
    except AnnotationFormatError as error:
        assert str(path) in str(error)
        event("rejected")
        return None
    event(f"accepted, {'some' if transcripts.skipped else 'no'} sentences skipped")
    check_accepted(transcripts, path)
    return transcripts


# ---- values: times and texts, good and bad -----------------------------------------------------------------------


def mostly(good, bad, odds: int = 6):
    """`good` about `odds` times out of `odds + 1`, else `bad`: most examples keep most of the file valid."""
    return st.sampled_from([True] * odds + [False]).flatmap(lambda is_good: good if is_good else bad)


GOOD_TIMES = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
BAD_TIMES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from(["1.5", " 2 ", "nan", "-inf", "inf", "-1", "abc", "", "1e999", "0x10", "1_0", "٣"]),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)
TIMES = mostly(GOOD_TIMES, BAD_TIMES, odds=3)
GOOD_TEXTS = st.text(min_size=1, max_size=30).filter(lambda t: any(c.isprintable() and not c.isspace() for c in t))
BAD_TEXTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "\t\n", "\u200b", "\u00ad", "None", "[MASK]", "\x00"]),
    st.none(),
    st.integers(),
    st.lists(st.text(max_size=3), max_size=2),
)
TEXTS = mostly(GOOD_TEXTS, BAD_TEXTS, odds=3)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=10,
)
VIDEO_IDS = st.text(min_size=1, max_size=8)


# ---- YouCook II JSON ----------------------------------------------------------------------------------------------

SEGMENTS = mostly(st.lists(TIMES, min_size=2, max_size=2), st.lists(TIMES, max_size=3) | JSON_VALUES, odds=40)
ANNOTATIONS = mostly(
    st.fixed_dictionaries(
        {"segment": SEGMENTS, "sentence": TEXTS}, optional={"verb": st.text(max_size=5), "id": st.integers()}
    ),
    JSON_VALUES,
    odds=40,
)
ENTRIES = mostly(
    st.fixed_dictionaries(
        {
            "subset": st.sampled_from(["training", "validation"]),
            "annotations": mostly(st.lists(ANNOTATIONS, min_size=1, max_size=4), st.just([]) | JSON_VALUES, odds=12),
        },
        optional={"duration": TIMES},
    ),
    JSON_VALUES,
    odds=12,
)
YOUCOOK = mostly(
    st.fixed_dictionaries(
        {"database": mostly(st.dictionaries(VIDEO_IDS, ENTRIES, min_size=1, max_size=4), JSON_VALUES)}
    ),
    JSON_VALUES,
)


@properties(400)
@given(data=YOUCOOK, subset=st.sampled_from([None, None, "training", "trainig"]))
def test_youcook2_accepts_only_valid_sentences_and_loses_none(file, data, subset):
    path = file("annotations.json")
    path.write_text(json.dumps(data), encoding="utf-8")
    transcripts = read_or_reject(read_youcook2, path, subset)
    if transcripts is None:
        return
    kept = {v: e for v, e in data["database"].items() if subset is None or e.get("subset") == subset}
    assert set(transcripts) == set(kept)
    entries = sum(len(e.get("annotations", [])) for e in kept.values())
    assert sum(map(len, transcripts.values())) + len(transcripts.skipped) == entries


@properties(100)
@given(
    videos=st.dictionaries(
        VIDEO_IDS,
        st.lists(st.tuples(GOOD_TIMES, GOOD_TIMES, GOOD_TEXTS, st.text(max_size=5)), min_size=1, max_size=4),
        min_size=1,
        max_size=4,
    )
)
def test_youcook2_reads_back_a_valid_file(file, videos):
    path = file("annotations.json")
    database = {
        video_id: {
            "subset": "training",
            "annotations": [
                {"segment": [min(a, b), max(a, b)], "sentence": text, "verb": verb} for a, b, text, verb in rows
            ],
        }
        for video_id, rows in videos.items()
    }
    path.write_text(json.dumps({"database": database}), encoding="utf-8")
    transcripts = read_transcripts(path, "training")
    assert transcripts.skipped == []
    for video_id, rows in videos.items():
        expected = sorted((min(a, b), max(a, b), text.strip(), verb) for a, b, text, verb in rows)
        got = [(s.start, s.end, s.text, s.get("verb")) for s in transcripts[video_id]]
        assert sorted(got) == expected and got == sorted(got, key=lambda x: x[:2])


# ---- HowTo100M JSON -----------------------------------------------------------------------------------------------

HOWTO_ENTRIES = mostly(
    st.integers(0, 4).flatmap(
        lambda n: st.fixed_dictionaries(
            {
                "start": st.lists(TIMES, min_size=n, max_size=n),
                "end": st.lists(TIMES, min_size=n, max_size=n),
                "text": st.lists(TEXTS, min_size=n, max_size=n),
            }
        )
    ),
    st.dictionaries(st.sampled_from(["start", "end", "text"]), st.one_of(st.lists(TIMES, max_size=3), JSON_VALUES))
    | JSON_VALUES,
    odds=12,
)
HOWTO = mostly(st.dictionaries(VIDEO_IDS, HOWTO_ENTRIES, min_size=1, max_size=4), JSON_VALUES)


@properties(400)
@given(data=HOWTO)
def test_howto100m_json_accepts_only_valid_sentences_and_loses_none(file, data):
    path = file("caption.json")
    path.write_text(json.dumps(data), encoding="utf-8")
    transcripts = read_or_reject(read_howto100m_captions, path)
    if transcripts is None:
        return
    assert set(transcripts) == set(data)
    assert sum(map(len, transcripts.values())) + len(transcripts.skipped) == sum(len(e["text"]) for e in data.values())


@properties(100)
@given(
    videos=st.dictionaries(
        VIDEO_IDS, st.lists(st.tuples(GOOD_TIMES, GOOD_TIMES, GOOD_TEXTS), min_size=1, max_size=4), min_size=1
    )
)
def test_howto100m_json_reads_back_a_valid_file(file, videos):
    path = file("caption.json")
    data = {
        video_id: {
            "start": [min(a, b) for a, b, _ in rows],
            "end": [max(a, b) for a, b, _ in rows],
            "text": [text for _, _, text in rows],
        }
        for video_id, rows in videos.items()
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    transcripts = read_transcripts(path)
    assert transcripts.skipped == []
    for video_id, rows in videos.items():
        got = [(s.start, s.end, s.text) for s in transcripts[video_id]]
        assert sorted(got) == sorted((min(a, b), max(a, b), t.strip()) for a, b, t in rows)


@properties(200)
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_json_readers_reject_arbitrary_bytes_by_name(file, raw):
    path = file("anything.json")
    path.write_bytes(raw)
    for read in (read_youcook2, read_howto100m_captions, read_transcripts):
        read_or_reject(read, path)


# ---- HowTo100M CSV ------------------------------------------------------------------------------------------------

GOOD_ROWS = st.tuples(VIDEO_IDS, TIMES.map(repr), TIMES.map(repr), TEXTS.map(str)).map(list)
BAD_ROWS = st.lists(
    st.one_of(BAD_TIMES.map(repr), BAD_TEXTS.map(str), st.text(alphabet=',"\r\n ab\x00', max_size=6)), max_size=6
)
HEADERS = mostly(
    st.just(["video_id", "start", "end", "text"]),
    st.permutations(["video_id", "start", "end", "text", "extra"]).map(list)
    | st.lists(st.sampled_from(["video_id", "start", "end", "text", "x", " text ", ""]), max_size=5),
    odds=3,
)


@properties(400)
@given(header=HEADERS, rows=st.lists(mostly(GOOD_ROWS, BAD_ROWS, odds=12), max_size=6))
def test_howto100m_csv_accepts_only_valid_sentences_and_loses_none(file, header, rows):
    path = file("captions.csv")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    transcripts = read_or_reject(read_howto100m_captions, path)
    if transcripts is None:
        return
    data_rows = [row for row in rows if row]  # csv.writer writes an empty row as a blank line, which is no row
    assert sum(map(len, transcripts.values())) + len(transcripts.skipped) == len(data_rows)


@properties(200)
@given(text=st.text(max_size=300))
def test_csv_reader_rejects_arbitrary_text_by_name(file, text):
    path = file("captions.csv")
    path.write_text("video_id,start,end,text\n" + text, encoding="utf-8")
    read_or_reject(read_transcripts, path)


@properties(100)
@given(rows=st.lists(st.tuples(VIDEO_IDS, GOOD_TIMES, GOOD_TIMES, GOOD_TEXTS), min_size=1, max_size=8))
def test_howto100m_csv_reads_back_a_valid_file(file, rows):
    path = file("captions.csv")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["video_id", "start", "end", "text"])
        writer.writerows([video_id, repr(min(a, b)), repr(max(a, b)), text] for video_id, a, b, text in rows)
    transcripts = read_transcripts(path)
    assert transcripts.skipped == []
    expected = {}
    for video_id, a, b, text in rows:
        expected.setdefault(video_id, []).append((min(a, b), max(a, b), text.strip()))
    assert {v: sorted((s.start, s.end, s.text) for s in sentences) for v, sentences in transcripts.items()} == {
        v: sorted(rows) for v, rows in expected.items()
    }
