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
"""Tests for VideoBertVideoProcessor: streaming decode of files, clip cutting, timing, bad input, serialization."""

import json
import math

import av
import numpy as np
import pytest
import torch

from videobert_benchmark.video_writer import write_video
from videobert_hf import video_processing_videobert as vpv
from videobert_hf.video_processing_videobert import VideoBertVideoProcessor, VideoDecodingError


pytestmark = pytest.mark.timeout(60)

H, W = 48, 64


def index_frames(count: int, height: int = H, width: int = W) -> np.ndarray:
    """Frames whose colour encodes their index: R = 16 * (i % 16) + 8, G = 16 * (i // 16) + 8, B = 128."""
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    for i in range(count):
        frames[i] = (16 * (i % 16) + 8, 16 * (i // 16) + 8, 128)
    return frames


def decode_indices(pixel_values: torch.Tensor) -> list[list[int]]:
    """Per clip, the source index of every frame of raw (un-normalised, 0-255) clips `[n, 3, L, h, w]`."""
    mean = pixel_values.float().mean(dim=(-2, -1))  # [n, 3, L]
    red = torch.round((mean[:, 0] - 8) / 16)
    green = torch.round((mean[:, 1] - 8) / 16)
    return (green * 16 + red).long().tolist()


def moving_frames(count: int, height: int = H, width: int = W) -> np.ndarray:
    """Smooth moving content (gradients), so lossy codecs and resizers stay close to each other."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    for t in range(count):
        frames[t, ..., 0] = 128 + 100 * np.sin((x + 2 * t) / width * 2 * np.pi)
        frames[t, ..., 1] = 128 + 100 * np.cos((y + t) / height * 2 * np.pi)
        frames[t, ..., 2] = (x + y + 3 * t) % 256 * 0.5 + 64
    return frames


def raw_processor(**kwargs) -> VideoBertVideoProcessor:
    """No resizing / scaling: pixel values are the decoded 0-255 values, frames at native 64x48 cropped to 48x48."""
    defaults = {"size": {"shortest_edge": H}, "crop_size": {"height": H, "width": H}}
    defaults.update(do_rescale=False, do_normalize=False)
    defaults.update(kwargs)
    return VideoBertVideoProcessor(**defaults)


def lossless(path, frames, fps, **kwargs):
    """FFV1 in Matroska: exact RGB round trip."""
    return write_video(path, frames, fps, codec="ffv1", pix_fmt="bgr0", **kwargs)


# ------------------------------------------------------------------------------------------------------ shapes
def test_defaults_clip_count_and_shape(tmp_path):
    path = write_video(tmp_path / "a.mp4", moving_frames(120), 30, preset="ultrafast")  # 4 s
    processor = VideoBertVideoProcessor()
    assert processor.fps == 20 and processor.clip_length == 30 and processor.pad_last_clip is False
    out = processor(path)
    # 4 s at 20 fps = 80 frames = 2 clips of 30 + 20 dropped frames
    assert out["pixel_values_videos"].shape == (2, 3, 30, 224, 224)
    assert out["pixel_values_videos"].dtype == torch.float32
    assert out["num_clips_per_video"].tolist() == [2]
    assert out["clip_times"].tolist() == [[0.0, 1.5], [1.5, 3.0]]
    # normalised with the S3D Kinetics-400 statistics
    assert out["pixel_values_videos"].min() < 0 < out["pixel_values_videos"].max()


def test_batch_of_files_concatenated_in_order(tmp_path):
    a = write_video(tmp_path / "a.mp4", moving_frames(120), 30, preset="ultrafast")  # 2 clips
    b = write_video(tmp_path / "b.mp4", moving_frames(60), 30, preset="ultrafast")  # 1 clip
    processor = VideoBertVideoProcessor()
    out = processor([a, b], return_tensors="pt")
    assert out["num_clips_per_video"].tolist() == [2, 1]
    assert out["pixel_values_videos"].shape[0] == 3
    assert out["clip_times"].tolist() == [[0.0, 1.5], [1.5, 3.0], [0.0, 1.5]]
    single = processor(b)["pixel_values_videos"]
    torch.testing.assert_close(out["pixel_values_videos"][2:], single)


# ----------------------------------------------------------------------------------------------- timing / fps
@pytest.mark.parametrize("source_fps", [30, 25, 15])
def test_resampling_picks_frames_by_timestamp(tmp_path, source_fps):
    count = 4 * source_fps  # 4 s
    path = lossless(tmp_path / "v.mkv", index_frames(count), source_fps)
    out = raw_processor(clip_length=10)(path)
    picked = [i for clip in decode_indices(out["pixel_values_videos"]) for i in clip]
    # frame on screen at k / 20 s is floor(k * source_fps / 20); 80 samples in 4 s
    expected = [math.floor(k * source_fps / 20 + 1e-9) for k in range(80)]
    assert picked == expected
    assert out["clip_times"][:, 0].tolist() == pytest.approx([0.5 * i for i in range(8)])


def test_variable_frame_rate(tmp_path):
    rng = np.random.default_rng(0)
    gaps_ms = rng.choice([10, 33, 50, 80, 120], size=59)
    times = np.concatenate([[0], np.cumsum(gaps_ms)]) / 1000.0
    path = lossless(tmp_path / "vfr.mkv", index_frames(60), 30, timestamps=times.tolist())
    out = raw_processor(clip_length=5, pad_last_clip=True)(path)
    picked = [i for clip in decode_indices(out["pixel_values_videos"]) for i in clip]
    container = av.open(path)
    stream = container.streams.video[0]
    decoded_times = [float(f.pts * stream.time_base) for f in container.decode(stream)]
    container.close()
    assert decoded_times == pytest.approx(times.tolist(), abs=1e-3)
    # the frame on screen at each sampling time: last frame with timestamp <= t
    end = decoded_times[-1] + 0.001  # mkv stores no duration for the last frame: ffv1 gives it 1 ms
    n_samples = sum(1 for k in range(10_000) if k / 20 < end - 1e-6)
    expected = [int(np.searchsorted(decoded_times, k / 20 + 1e-6, side="right") - 1) for k in range(n_samples)]
    real = sum(1 for _ in expected)
    assert picked[:real] == expected
    assert out["num_clips_per_video"].item() == math.ceil(real / 5)


def test_start_end_seek(tmp_path):
    path = write_video(tmp_path / "v.mkv", index_frames(120), 30, codec="ffv1", pix_fmt="bgr0", g=10)
    processor = raw_processor(clip_length=10)
    out = processor(path, start=1.0, end=2.6)
    # sampling times 1.0, 1.05, ... < 2.6 -> 32 frames -> 3 clips of 10 (last 2 dropped)
    picked = decode_indices(out["pixel_values_videos"])
    assert len(picked) == 3
    flat = [i for clip in picked for i in clip]
    assert flat == [math.floor((1.0 + k / 20) * 30 + 1e-9) for k in range(30)]
    np.testing.assert_allclose(out["clip_times"].numpy(), [[1.0, 1.5], [1.5, 2.0], [2.0, 2.5]])
    padded = processor(path, start=1.0, end=2.6, pad_last_clip=True)
    assert padded["clip_times"][-1].tolist() == pytest.approx([2.5, 2.6])
    last = decode_indices(padded["pixel_values_videos"])[-1]
    assert last == [75, 76] + [76] * 8  # two real frames, then the last one repeated
    # start beyond the end of the video: no clips
    assert processor(path, start=10.0)["num_clips_per_video"].tolist() == [0]
    with pytest.raises(ValueError):
        next(processor.iter_clips(path, start=2.0, end=1.0))


def test_iter_clips_batches_equal_one_shot(tmp_path):
    path = write_video(tmp_path / "v.mp4", moving_frames(150), 30, preset="ultrafast")  # 5 s -> 100 frames
    processor = VideoBertVideoProcessor(clip_length=8, pad_last_clip=True)
    one_shot = processor(path)
    batches = list(processor.iter_clips(path, batch_size=3))
    assert [b["pixel_values_videos"].shape[0] for b in batches] == [3, 3, 3, 3, 1]  # 13 clips (12 full + 1 padded)
    torch.testing.assert_close(torch.cat([b["pixel_values_videos"] for b in batches]), one_shot["pixel_values_videos"])
    torch.testing.assert_close(torch.cat([b["clip_times"] for b in batches]), one_shot["clip_times"])
    # stopping early leaves no worker running
    it = processor.iter_clips(path, batch_size=1)
    next(it)
    it.close()


def test_normalize_clips_gives_the_float_clips_of_iter_clips(tmp_path):
    """The decoding workers' uint8 clips, normalised on the encoder's side, are bit for bit iter_clips's clips."""
    path = write_video(tmp_path / "v.mp4", moving_frames(90), 30, preset="ultrafast")
    processor = VideoBertVideoProcessor(clip_length=8, pad_last_clip=True, image_mean=[0.4, 0.5, 0.6])
    floats = list(processor.iter_clips(path, batch_size=4))
    uint8 = list(processor.iter_clips(path, batch_size=4, do_rescale=False, do_normalize=False))
    assert len(floats) == len(uint8) == 2
    for f, u in zip(floats, uint8):
        assert u["pixel_values_videos"].dtype == torch.uint8 and u["pixel_values_videos"].shape[1] == 3
        normalised = processor.normalize_clips(u["pixel_values_videos"])
        assert normalised.dtype == torch.float32 and torch.equal(normalised, f["pixel_values_videos"])
        assert torch.equal(u["clip_times"], f["clip_times"])
    # per-call overrides, as iter_clips takes them
    rescaled = processor.normalize_clips(uint8[0]["pixel_values_videos"], do_normalize=False)
    assert torch.equal(rescaled, uint8[0]["pixel_values_videos"].float() * processor.rescale_factor)
    for bad in (floats[0]["pixel_values_videos"], uint8[0]["pixel_values_videos"][0]):
        with pytest.raises(ValueError, match="normalize_clips expects uint8 clips"):
            processor.normalize_clips(bad)


def test_decode_threads_change_nothing_but_the_threads(tmp_path):
    path = write_video(tmp_path / "v.mp4", moving_frames(90), 30, preset="ultrafast")
    processor = VideoBertVideoProcessor(clip_length=8)
    default = torch.cat([b["pixel_values_videos"] for b in processor.iter_clips(path, batch_size=4)])
    for threads in (1, 3):
        one = torch.cat(
            [b["pixel_values_videos"] for b in processor.iter_clips(path, batch_size=4, decode_threads=threads)]
        )
        assert torch.equal(one, default)
    for bad in (0, 2.5, "2"):
        with pytest.raises(ValueError, match="decode_threads"):
            next(processor.iter_clips(path, decode_threads=bad))


# -------------------------------------------------------------------------------------------- in-memory path
def test_streaming_equals_in_memory_lossless(tmp_path):
    frames = index_frames(90) + np.arange(W, dtype=np.uint8)[None, None, :, None]  # add spatial structure
    path = lossless(tmp_path / "v.mkv", frames, 30)
    processor = VideoBertVideoProcessor(clip_length=20, size={"shortest_edge": H}, crop_size=40)
    streamed = processor(path)
    in_memory = processor(frames, video_metadata={"fps": 30, "total_num_frames": 90})
    for key in ("pixel_values_videos", "num_clips_per_video", "clip_times"):
        torch.testing.assert_close(streamed[key], in_memory[key], rtol=0, atol=1e-6)
    # channels-first tensors and torch inputs give the same result
    as_tensor = torch.from_numpy(frames).permute(0, 3, 1, 2)
    torch.testing.assert_close(
        processor(as_tensor, video_metadata={"fps": 30, "total_num_frames": 90})["pixel_values_videos"],
        in_memory["pixel_values_videos"],
    )


def test_streaming_close_to_in_memory_with_resize(tmp_path):
    frames = moving_frames(60)
    path = write_video(tmp_path / "v.mp4", frames, 30, preset="ultrafast", crf=18)
    container = av.open(path)
    decoded = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    container.close()
    processor = VideoBertVideoProcessor(clip_length=10)
    streamed = processor(path)["pixel_values_videos"]
    in_memory = processor(decoded, video_metadata={"fps": 30, "total_num_frames": len(decoded)})
    assert streamed.shape == in_memory["pixel_values_videos"].shape == (4, 3, 10, 224, 224)
    # libswscale vs torchvision bilinear upscaling: close, not identical (units: normalised, ~4.4 per 255)
    assert (streamed - in_memory["pixel_values_videos"]).abs().mean() < 0.05


def test_in_memory_without_fps_is_taken_at_target_rate():
    frames = index_frames(65)
    out = raw_processor(clip_length=30)(frames)
    assert decode_indices(out["pixel_values_videos"]) == [list(range(30)), list(range(30, 60))]
    batch = raw_processor(clip_length=30)([frames, frames[:40]], do_sample_frames=False)
    assert batch["num_clips_per_video"].tolist() == [2, 1]
    assert batch["clip_times"].tolist() == [[0.0, 1.5], [1.5, 3.0], [0.0, 1.5]]
    with pytest.raises(ValueError, match="num_frames"):
        raw_processor()(frames, num_frames=8)
    with pytest.raises(ValueError, match="start"):
        raw_processor()(frames, start=1.0)


# --------------------------------------------------------------------------------------------- clip rules
def test_short_video_and_partial_clip_rule(tmp_path):
    path = lossless(tmp_path / "short.mkv", index_frames(30), 30)  # 1 s -> 20 samples < 1 clip
    processor = raw_processor()
    out = processor(path)
    assert out["pixel_values_videos"].shape == (0, 3, 30, H, H)
    assert out["num_clips_per_video"].tolist() == [0]
    assert out["clip_times"].shape == (0, 2)
    assert list(processor.iter_clips(path)) == []
    padded = processor(path, pad_last_clip=True)
    assert padded["num_clips_per_video"].tolist() == [1]
    assert padded["clip_times"].tolist() == [[0.0, 1.0]]
    expected = [math.floor(k * 1.5) for k in range(20)]
    assert decode_indices(padded["pixel_values_videos"]) == [expected + [expected[-1]] * 10]
    # the in-memory path follows the same rule
    in_memory = processor(index_frames(30), video_metadata={"fps": 30, "total_num_frames": 30}, pad_last_clip=True)
    torch.testing.assert_close(in_memory["pixel_values_videos"], padded["pixel_values_videos"])
    empty = processor(index_frames(30), video_metadata={"fps": 30, "total_num_frames": 30})
    assert empty["pixel_values_videos"].shape == (0, 3, 30, H, H)


# ------------------------------------------------------------------------------------------ codecs / sizes
CODECS = [
    ("h264.mp4", "libx264", "yuv420p", {"preset": "ultrafast"}),
    ("mpeg4.avi", "mpeg4", "yuv420p", {"qmax": 3}),
    ("vp9.webm", "libvpx-vp9", "yuv420p", {"deadline": "realtime", "cpu-used": 8, "crf": 20, "b": 0}),
    ("h264.mkv", "libx264", "yuv420p", {"preset": "ultrafast"}),
    ("x264rgb.mkv", "libx264rgb", "rgb24", {"preset": "ultrafast", "qp": 0}),
]


@pytest.mark.parametrize("name,codec,pix_fmt,options", CODECS, ids=[c[0] for c in CODECS])
def test_codecs_and_containers(tmp_path, name, codec, pix_fmt, options):
    if codec not in av.codecs_available:
        pytest.skip(f"{codec} is not in this PyAV build")
    frames = moving_frames(90)  # 3 s at 30 fps
    path = write_video(tmp_path / name, frames, 30, codec=codec, pix_fmt=pix_fmt, **options)
    processor = raw_processor(clip_length=20)
    out = processor(path)
    assert out["num_clips_per_video"].tolist() == [3]  # 60 samples
    reference = processor(frames, video_metadata={"fps": 30, "total_num_frames": 90})["pixel_values_videos"]
    error = (out["pixel_values_videos"].float() - reference.float()).abs().mean().item()
    assert error < (0.01 if codec == "libx264rgb" else 6.0), error  # 0-255 units


@pytest.mark.parametrize(
    "height,width,count", [(96, 48, 45), (12, 16, 45), (3840, 2160, 3)], ids=["portrait", "tiny", "large"]
)
def test_odd_sizes(tmp_path, height, width, count):
    frames = np.full((count, height, width, 3), 100, dtype=np.uint8)
    path = write_video(tmp_path / "v.mp4", frames, 30, preset="ultrafast")
    processor = VideoBertVideoProcessor(clip_length=2)
    out = processor(path)
    expected_clips = math.ceil(count / 30 * 20 - 1e-9) // 2
    assert out["pixel_values_videos"].shape == (expected_clips, 3, 2, 224, 224)
    assert torch.isfinite(out["pixel_values_videos"]).all()


# --------------------------------------------------------------------------------------------------- bad input
def test_missing_path(tmp_path):
    path = str(tmp_path / "nope.mp4")
    with pytest.raises(VideoDecodingError, match="nope.mp4") as info:
        VideoBertVideoProcessor()(path)
    assert info.value.path == path
    assert isinstance(info.value, ValueError)


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(VideoDecodingError, match="empty.mp4"):
        VideoBertVideoProcessor()(str(path))


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    with pytest.raises(VideoDecodingError, match="noise.mp4"):
        VideoBertVideoProcessor()(str(path))


def test_audio_only_file(tmp_path):
    path = str(tmp_path / "audio.mkv")
    with av.open(path, "w") as container:
        stream = container.add_stream("mp2", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1152 * 2), dtype=np.int16), format="s16", layout="stereo")
        frame.sample_rate = 44100
        for i in range(20):
            frame.pts = i * 1152
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(VideoDecodingError, match="audio.mkv.*no video stream"):
        VideoBertVideoProcessor()(path)


def test_truncated_mp4_without_index(tmp_path):
    """moov at the end (PyAV's default): cutting the tail removes the index -> error naming the file."""
    path = tmp_path / "cut.mp4"
    write_video(path, moving_frames(120), 30, preset="ultrafast")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoDecodingError, match="cut.mp4"):
        VideoBertVideoProcessor()(str(path))


def test_truncated_mp4_first_half_decodes(tmp_path, monkeypatch):
    """moov at the front (faststart): the clips before the damage are returned and a warning names the file."""
    warnings = []
    monkeypatch.setattr(vpv.logger, "warning", lambda msg, *a, **k: warnings.append(msg))
    path = tmp_path / "cut_faststart.mp4"
    write_video(path, moving_frames(240), 30, container_options={"movflags": "faststart"}, preset="ultrafast", g=15)
    full = raw_processor(clip_length=10)(str(path))["num_clips_per_video"].item()
    assert full == 16 and warnings == []
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    out = raw_processor(clip_length=10)(str(path))
    assert 0 < out["num_clips_per_video"].item() < full
    assert any("cut_faststart.mp4" in w for w in warnings)


def test_batch_job_reports_bad_items(tmp_path):
    good = write_video(tmp_path / "good.mp4", moving_frames(60), 30, preset="ultrafast")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    processor = VideoBertVideoProcessor()
    results, failures = {}, {}
    for path in [good, str(bad), good]:
        try:
            results[path] = processor(path)["num_clips_per_video"].item()
        except VideoDecodingError as e:
            failures[e.path] = str(e)
    assert results == {good: 1} and list(failures) == [str(bad)]


# ------------------------------------------------------------------------------------------- serialization
def test_save_load_round_trip(tmp_path):
    processor = VideoBertVideoProcessor(clip_length=16, pad_last_clip=True, fps=10)
    processor.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "video_preprocessor_config.json").read_text())
    assert saved["video_processor_type"] == "VideoBertVideoProcessor"
    assert saved["clip_length"] == 16 and saved["pad_last_clip"] is True and saved["fps"] == 10
    assert saved["image_mean"] == list(vpv.S3D_KINETICS400_MEAN)
    loaded = VideoBertVideoProcessor.from_pretrained(tmp_path)
    assert loaded.to_dict() == processor.to_dict()
    overridden = VideoBertVideoProcessor.from_pretrained(tmp_path, clip_length=8)
    assert overridden.clip_length == 8


def test_auto_video_processor(tmp_path):
    from transformers import AutoVideoProcessor, PreTrainedConfig

    class _VideoBertProcessorTestConfig(PreTrainedConfig):
        model_type = "videobert-video-processor-test"

    AutoVideoProcessor.register(_VideoBertProcessorTestConfig, VideoBertVideoProcessor, exist_ok=True)
    VideoBertVideoProcessor(clip_length=12).save_pretrained(tmp_path)
    loaded = AutoVideoProcessor.from_pretrained(tmp_path)
    assert type(loaded) is VideoBertVideoProcessor and loaded.clip_length == 12


def test_write_video_validates_input(tmp_path):
    with pytest.raises(ValueError, match="No frames"):
        write_video(tmp_path / "x.mp4", [], 30)
    with pytest.raises(ValueError, match="RGB"):
        write_video(tmp_path / "y.mp4", np.zeros((2, 8, 8), dtype=np.uint8), 30)
