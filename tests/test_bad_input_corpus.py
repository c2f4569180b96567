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
"""Bad-input corpus for VideoBertVideoProcessor (issue #8): ugly videos generated here with PyAV, no committed blobs.

Each case asserts the behaviour documented in the "Bad input" section of `VideoBertVideoProcessor`'s docstring.
Cases already in `test_video_processing_videobert.py` are not repeated: missing path, zero-byte file, random bytes,
truncated MP4 (with and without index), audio-only, shorter than one clip, portrait / tiny / 4K frames, VFR FFV1,
and the H.264 MP4/MKV, MPEG-4 AVI, VP9 WebM and libx264rgb codecs / containers (`test_codecs_and_containers`).
"""

import math
import struct
from fractions import Fraction

import av
import numpy as np
import pytest
import torch
from av.video.frame import PictureType

from tests.test_video_processing_videobert import decode_indices, index_frames, lossless, moving_frames, raw_processor
from videobert_benchmark.video_writer import write_video
from videobert_hf import video_processing_videobert as vpv
from videobert_hf.video_processing_videobert import (
    S3D_KINETICS400_MEAN,
    S3D_KINETICS400_STD,
    VideoBertVideoProcessor,
)


pytestmark = pytest.mark.timeout(60)

X264 = {"preset": "ultrafast"}
X265 = {"preset": "ultrafast", "x265-params": "log-level=error"}
VP9 = {"deadline": "realtime", "cpu-used": 8, "crf": 20, "b": 0}
# 8 consecutive B-frames in a pyramid (b-adapt=0 keeps them all; qp=0 would turn B-frames off)
B_PYRAMID = {"preset": "ultrafast", "x264-params": "bframes=8:b-pyramid=normal:b-adapt=0"}


@pytest.fixture
def warnings(monkeypatch):
    """Messages the processor logs with `logger.warning` (from its decoding thread too)."""
    messages = []
    monkeypatch.setattr(vpv.logger, "warning", lambda msg, *args, **kwargs: messages.append(msg))
    return messages


def require_encoder(codec: str, pix_fmt: str | None = None):
    if codec not in av.codecs_available:
        pytest.skip(f"this PyAV build has no {codec} encoder")
    if pix_fmt is not None and pix_fmt not in {f.name for f in av.Codec(codec, "w").video_formats or []}:
        pytest.skip(f"this PyAV build's {codec} does not encode {pix_fmt}")


def picked(out) -> list[int]:
    """Source frame index of every sampled frame, clips flattened (raw 0-255 clips of `index_frames`)."""
    return [i for clip in decode_indices(out["pixel_values_videos"]) for i in clip]


def on_screen(source_fps: float, count: int, start: float = 0.0) -> list[int]:
    """Index of the frame on screen at each of `count` sampling times `start + k / 20` of a constant-rate video."""
    return [math.floor((start + k / 20) * source_fps + 1e-9) for k in range(count)]


def picture_types(path) -> str:
    with av.open(str(path)) as container:
        return "".join(PictureType(frame.pict_type).name for frame in container.decode(video=0))


# ----------------------------------------------------------------------------- wrong duration / frame count
def _patch_mp4_durations(data: bytearray, factor: float):
    """Scale the duration fields of the movie (mvhd), track (tkhd) and media (mdhd) headers (version 0 boxes)."""
    for box, offset in ((b"mvhd", 20), (b"tkhd", 24), (b"mdhd", 20)):
        i = data.find(box)
        assert i > 0 and data[i + 4] == 0, box
        (duration,) = struct.unpack(">I", data[i + offset : i + offset + 4])
        data[i + offset : i + offset + 4] = struct.pack(">I", round(duration * factor))


def _patch_mkv_durations(data: bytearray, seconds: float, track_tag: bool):
    """Rewrite the Segment Info Duration (EBML 0x4489, 8-byte float, ms) and optionally the track's DURATION tag."""
    i = data.find(b"\x44\x89\x88")
    assert i > 0
    data[i + 3 : i + 11] = struct.pack(">d", seconds * 1000)
    if track_tag:
        i = data.find(b"00:00:03.000000000")
        assert i > 0
        tag = f"00:00:{seconds:012.9f}".encode()
        data[i : i + len(tag)] = tag


def _patch_avi_frame_count(data: bytearray, frames: int):
    """Rewrite the frame count of the main AVI header (avih dwTotalFrames) and of the video stream (strh dwLength)."""
    for chunk, offset in ((b"avih", 16), (b"strh", 32)):
        i = data.find(chunk)
        assert i > 0
        data[i + 8 + offset : i + 8 + offset + 4] = struct.pack("<I", frames)


WRONG_DURATIONS = [
    # id, container, patch, declared duration PyAV then reports, truncation warning expected
    ("mp4-longer", "mp4", lambda d: _patch_mp4_durations(d, 10), 3.0, False),  # clamped to the sample table
    ("mp4-shorter", "mp4", lambda d: _patch_mp4_durations(d, 0.1), 0.3, False),
    ("mkv-longer", "mkv", lambda d: _patch_mkv_durations(d, 30, track_tag=True), 30.0, True),
    ("mkv-longer-segment-only", "mkv", lambda d: _patch_mkv_durations(d, 30, track_tag=False), 3.0, False),
    ("mkv-shorter", "mkv", lambda d: _patch_mkv_durations(d, 0.3, track_tag=True), 0.3, False),
    ("avi-more-frames", "avi", lambda d: _patch_avi_frame_count(d, 900), 30.0, True),
    ("avi-fewer-frames", "avi", lambda d: _patch_avi_frame_count(d, 9), 0.3, False),
]


@pytest.mark.parametrize(
    "ext,patch,declared,warns", [c[1:] for c in WRONG_DURATIONS], ids=[c[0] for c in WRONG_DURATIONS]
)
def test_wrong_declared_duration_or_frame_count(tmp_path, warnings, ext, patch, declared, warns):
    """Clips follow the decoded frames whatever the headers claim; a claim longer than the video warns."""
    codec, options = ("mpeg4", {"qmax": 2}) if ext == "avi" else ("libx264", X264)
    honest = write_video(tmp_path / f"honest.{ext}", index_frames(90), 30, codec=codec, **options)  # 3 s
    data = bytearray(open(honest, "rb").read())
    patch(data)
    liar = tmp_path / f"liar.{ext}"
    liar.write_bytes(bytes(data))

    processor = raw_processor(clip_length=10)
    expected = processor(honest)
    assert warnings == []
    out = processor(str(liar), return_metadata=True)
    assert out["num_clips_per_video"].tolist() == [6]  # 60 samples
    assert picked(out) == on_screen(30, 60)
    assert torch.equal(out["pixel_values_videos"], expected["pixel_values_videos"])
    assert torch.equal(out["clip_times"], expected["clip_times"])
    metadata = out["video_metadata"][0]
    assert metadata.duration == pytest.approx(declared) and metadata.total_num_frames == 90
    if warns:
        assert len(warnings) == 1 and "liar" in warnings[0] and f"declares {declared:.2f} s" in warnings[0]
    else:
        assert warnings == []


# ------------------------------------------------------------------------------------------ missing timestamps
RAW_STREAMS = [("h264", "libx264", X264), ("hevc", "libx265", X265)]


@pytest.mark.parametrize("ext,codec,options", RAW_STREAMS, ids=[c[0] for c in RAW_STREAMS])
def test_raw_elementary_stream_without_timestamps(tmp_path, warnings, ext, codec, options):
    """Annex-B `.h264` / `.hevc`: no packet has a pts; frames are spaced by the bitstream's 30 fps, not by 25."""
    require_encoder(codec)
    path = write_video(tmp_path / f"raw.{ext}", index_frames(90), 30, codec=codec, **options)
    with av.open(path) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == 25  # the raw demuxer's default frame rate
        assert all(packet.pts is None for packet in container.demux(stream))
    processor = raw_processor(clip_length=10)
    out = processor(path, return_metadata=True)
    assert out["num_clips_per_video"].tolist() == [6]
    assert picked(out) == on_screen(30, 60)
    assert out["clip_times"][:, 0].tolist() == pytest.approx([0.5 * i for i in range(6)])
    metadata = out["video_metadata"][0]
    assert metadata.fps == 30 and metadata.total_num_frames == 90 and metadata.duration is None
    # such a stream cannot seek: it is decoded from the start and the frames before `start` are skipped
    late = processor(path, start=1.0)
    assert picked(late) == on_screen(30, 40, start=1.0)
    assert late["clip_times"][0].tolist() == [1.0, 1.5]
    assert warnings == []


# ----------------------------------------------------------------------------------- B-frames, variable rate
@pytest.mark.parametrize("name", ["bframes.mp4", "bframes.mkv"])
def test_b_frame_heavy_h264(tmp_path, warnings, name):
    """8 consecutive B-frames in a pyramid (decode order far from display order), MP4 and MKV (no dts)."""
    path = write_video(tmp_path / name, index_frames(90), 30, codec="libx264", **B_PYRAMID)
    assert "B" * 8 in picture_types(path)
    processor = raw_processor(clip_length=10)
    out = processor(path)
    assert out["pixel_values_videos"].shape == (6, 3, 10, 48, 48)
    assert picked(out) == on_screen(30, 60)
    late = processor(path, start=1.0)  # seeking lands on the I-frame before 1 s, then skips to 1 s exactly
    assert picked(late) == on_screen(30, 40, start=1.0)
    assert warnings == []


def test_variable_frame_rate_h264_with_b_frames(tmp_path, warnings):
    """VFR H.264 in MP4, with B-frames: each sampling time gets the frame on screen (last pts <= t)."""
    rng = np.random.default_rng(0)
    times = np.concatenate([[0], np.cumsum(rng.choice([17, 33, 50, 80, 120], size=59))]) / 1000.0
    path = write_video(
        tmp_path / "vfr.mp4", index_frames(60), 30, codec="libx264", timestamps=times.tolist(), **B_PYRAMID
    )
    with av.open(path) as container:
        frames = list(container.decode(video=0))
    decoded_times = [float(f.pts * f.time_base) for f in frames]
    assert decoded_times == pytest.approx(times.tolist(), abs=1e-3)
    assert any(f.pict_type == PictureType.B for f in frames)
    end = decoded_times[-1] + float(frames[-1].duration * frames[-1].time_base)
    expected = [int(np.searchsorted(decoded_times, k / 20 + 1e-6, side="right") - 1) for k in range(int(end * 20) + 2)]
    expected = expected[: sum(1 for k in range(len(expected)) if k / 20 < end - 1e-6)]
    out = raw_processor(clip_length=5, pad_last_clip=True)(path)
    assert out["num_clips_per_video"].item() == math.ceil(len(expected) / 5)
    assert picked(out)[: len(expected)] == expected
    assert warnings == []


# ---------------------------------------------------------------------------------------------- rotation
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def quadrant_frames(count: int, height: int = 32, width: int = 64) -> np.ndarray:
    """Landscape frames: top-left red, top-right green, bottom-left blue, bottom-right white."""
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    frames[:, : height // 2, : width // 2] = RED
    frames[:, : height // 2, width // 2 :] = GREEN
    frames[:, height // 2 :, : width // 2] = BLUE
    frames[:, height // 2 :, width // 2 :] = WHITE
    return frames


def write_rotated(path, frames: np.ndarray, fps: int, degrees: int) -> str:
    """H.264 MP4 whose track carries a display matrix rotating it by `degrees` counter-clockwise, as phones write."""
    path = str(path)
    with av.open(path, mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "yuv420p"
        stream.options = dict(X264)
        stream.set_display_rotation(degrees)
        for i, frame in enumerate(frames):
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts, video_frame.time_base = i, Fraction(1, fps)
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode(None))
    return path


ROTATIONS = [
    # rotation (counter-clockwise, as `VideoFrame.rotation` reads it), displayed corners TL, TR, BL, BR
    (90, (GREEN, WHITE, RED, BLUE)),
    (-90, (BLUE, RED, WHITE, GREEN)),  # the usual portrait phone video (`rotation of -90.00 degrees` in ffprobe)
    (180, (WHITE, BLUE, GREEN, RED)),
]


@pytest.mark.parametrize("degrees,corners", ROTATIONS, ids=[str(r[0]) for r in ROTATIONS])
def test_rotated_phone_video(tmp_path, warnings, degrees, corners):
    """The display rotation is applied: frames come out as players show them, at the displayed size."""
    path = write_rotated(tmp_path / "phone.mp4", quadrant_frames(45), 30, degrees)  # coded 64x32, 1.5 s
    with av.open(path) as container:
        assert next(container.decode(video=0)).rotation % 360 == degrees % 360  # 180 reads back as -180
    processor = VideoBertVideoProcessor(
        size={"shortest_edge": 32}, do_center_crop=False, do_rescale=False, do_normalize=False, clip_length=10
    )
    out = processor(path, return_metadata=True)
    displayed = (64, 32) if degrees % 180 else (32, 64)  # (height, width)
    assert out["pixel_values_videos"].shape == (3, 3, 10, *displayed)
    metadata = out["video_metadata"][0]
    assert (metadata.height, metadata.width) == displayed
    frame = out["pixel_values_videos"][0, :, 0].float()  # [3, h, w]
    h, w = displayed
    quadrants = [frame[:, y : y + h // 2, x : x + w // 2] for y in (0, h // 2) for x in (0, w // 2)]
    for quadrant, colour in zip(quadrants, corners):
        core = quadrant[:, 4:-4, 4:-4].mean(dim=(1, 2))  # away from the chroma bleeding at the edges
        torch.testing.assert_close(core, torch.tensor(colour, dtype=torch.float32), atol=12, rtol=0)
    # the default pipeline: shortest edge 224 of the displayed frame, centre crop 224x224
    default = VideoBertVideoProcessor(clip_length=10)(path)
    assert default["pixel_values_videos"].shape == (3, 3, 10, 224, 224)
    assert warnings == []


# ----------------------------------------------------------------------------------------- pixel formats
PIXEL_FORMATS = [
    ("h264-10bit.mp4", "libx264", "yuv420p10le", X264),
    ("hevc-10bit.mkv", "libx265", "yuv420p10le", X265),
    ("vp9-10bit.webm", "libvpx-vp9", "yuv420p10le", VP9),
    ("h264-444.mp4", "libx264", "yuv444p", X264),
    ("h264-444-10bit.mkv", "libx264", "yuv444p10le", X264),
    ("vp9-444.webm", "libvpx-vp9", "yuv444p", VP9),
    ("h264-422.mkv", "libx264", "yuv422p", X264),
]


@pytest.mark.parametrize("name,codec,pix_fmt,options", PIXEL_FORMATS, ids=[c[0] for c in PIXEL_FORMATS])
def test_high_bit_depth_and_chroma_formats(tmp_path, warnings, name, codec, pix_fmt, options):
    """10-bit and 4:4:4 / 4:2:2 streams come out as 8-bit RGB, close to the source frames."""
    require_encoder(codec, pix_fmt)
    frames = moving_frames(60)  # 2 s at 30 fps
    path = write_video(tmp_path / name, frames, 30, codec=codec, pix_fmt=pix_fmt, **options)
    with av.open(path) as container:
        assert container.streams.video[0].format.name == pix_fmt
    processor = raw_processor(clip_length=10)
    raw = processor(path)["pixel_values_videos"]
    assert raw.shape == (4, 3, 10, 48, 48) and raw.dtype == torch.uint8
    reference = processor(frames, video_metadata={"fps": 30, "total_num_frames": 60})["pixel_values_videos"]
    error = (raw.float() - reference.float()).abs().mean().item()
    assert error < 6.0, error  # 0-255 units
    normalised = VideoBertVideoProcessor(clip_length=10)(path)["pixel_values_videos"]
    assert normalised.shape == (4, 3, 10, 224, 224) and normalised.dtype == torch.float32
    mean = torch.tensor(S3D_KINETICS400_MEAN).view(3, 1, 1, 1)
    std = torch.tensor(S3D_KINETICS400_STD).view(3, 1, 1, 1)
    assert ((normalised >= -mean / std - 1e-5) & (normalised <= (1 - mean) / std + 1e-5)).all()
    assert warnings == []


# ---------------------------------------------------------------------------------- several video streams
def test_mkv_with_several_video_streams_reads_the_first(tmp_path, warnings):
    """Audio first, then two video streams; the second is larger, longer and flagged default: the first is read."""
    path = str(tmp_path / "multi.mkv")
    first = index_frames(90)  # 64x48, 30 fps, 3 s
    second = np.full((75, 96, 96, 3), (8, 200, 40), dtype=np.uint8)  # 96x96, 15 fps, 5 s
    with av.open(path, mode="w") as container:
        audio = container.add_stream("mp2", rate=44100)
        streams = []
        for frames, fps, default in ((first, 30, False), (second, 15, True)):
            stream = container.add_stream("ffv1", rate=fps)
            stream.height, stream.width = frames.shape[1:3]
            stream.pix_fmt = "bgr0"
            stream.disposition = av.stream.Disposition.default if default else av.stream.Disposition(0)
            streams.append((stream, frames, fps))
        samples = av.AudioFrame.from_ndarray(np.zeros((1, 1152 * 2), dtype=np.int16), format="s16", layout="stereo")
        samples.sample_rate = 44100
        for i in range(5 * 44100 // 1152):  # 5 s of silence
            samples.pts = i * 1152
            container.mux(audio.encode(samples))
        for stream, frames, fps in streams:
            for i, frame in enumerate(frames):
                video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
                video_frame.pts, video_frame.time_base = i, Fraction(1, fps)
                container.mux(stream.encode(video_frame))
        for stream in [audio] + [s for s, _, _ in streams]:
            container.mux(stream.encode(None))
    with av.open(path) as container:
        assert [s.index for s in container.streams.video] == [1, 2]
        assert not container.streams.video[0].disposition & av.stream.Disposition.default
        assert container.streams.best("video").index == 2  # FFmpeg's own pick differs; the processor's does not
        assert container.duration / av.time_base == pytest.approx(5.0, abs=0.05)

    processor = raw_processor(clip_length=10)
    out = processor(path, return_metadata=True)
    alone = processor(lossless(tmp_path / "alone.mkv", first, 30))
    assert out["num_clips_per_video"].tolist() == [6]
    assert picked(out) == on_screen(30, 60)
    assert torch.equal(out["pixel_values_videos"], alone["pixel_values_videos"])
    metadata = out["video_metadata"][0]
    assert (metadata.width, metadata.height, metadata.fps, metadata.total_num_frames) == (64, 48, 30, 90)
    assert metadata.duration == pytest.approx(3.0)  # the track's DURATION tag, not the 5 s of the longest stream
    assert warnings == []  # hence no false "truncated?" warning


# ------------------------------------------------------------------------------------ damage in the middle
CORRUPT_MIDDLE = [
    # name, codec, pix_fmt, options, how the damage shows
    ("h264.mp4", "libx264", "yuv420p", X264, "damaged after"),  # the decoder fails on the damaged packets
    ("h264.mkv", "libx264", "yuv420p", X264, "damaged after"),  # concealed: a frame flagged corrupt, then a gap
    ("mpeg4.avi", "mpeg4", "yuv420p", {"qmax": 3}, "damaged after"),  # concealed: flagged corrupt, frames shift
    ("ffv1.mkv", "ffv1", "bgr0", {}, "damaged after"),  # the decoder fails (slice CRC)
    ("vp9.webm", "libvpx-vp9", "yuv420p", VP9, "declares 3.00 s"),  # the demuxer stops: ends before its duration
]


@pytest.mark.parametrize("name,codec,pix_fmt,options,sign", CORRUPT_MIDDLE, ids=[c[0] for c in CORRUPT_MIDDLE])
def test_corrupt_bytes_in_the_middle(tmp_path, warnings, name, codec, pix_fmt, options, sign):
    """Garbage over 5 % of the file at its middle: the clips before the damage, identical to the intact file's, and
    one warning naming the file; never the concealed or shifted frames after it."""
    require_encoder(codec)
    path = tmp_path / f"damaged-{name}"
    write_video(path, moving_frames(90), 30, codec=codec, pix_fmt=pix_fmt, g=15, **options)  # 3 s
    processor = raw_processor(clip_length=10)
    intact = processor(str(path))["pixel_values_videos"]
    assert intact.shape[0] == 6 and warnings == []
    data = bytearray(path.read_bytes())
    middle, length = len(data) // 2, len(data) // 20
    data[middle : middle + length] = np.random.default_rng(1).integers(0, 256, length, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))

    out = processor(str(path))
    kept = out["num_clips_per_video"].item()
    assert 0 < kept < 6
    assert torch.equal(out["pixel_values_videos"], intact[:kept])
    assert out["clip_times"].tolist() == [[0.5 * i, 0.5 * (i + 1)] for i in range(kept)]
    assert len(warnings) == 1 and f"damaged-{name}" in warnings[0] and sign in warnings[0]
    # streaming gives the same clips (and warns again)
    streamed = torch.cat([b["pixel_values_videos"] for b in processor.iter_clips(str(path), batch_size=2)])
    assert torch.equal(streamed, out["pixel_values_videos"]) and len(warnings) == 2
