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
"""Tests of VideoBertVisualTokenizer: hierarchical k-means codebook, conditioning, clip encoders, save/load."""

import copy
import importlib.util
import json
import logging
from pathlib import Path

import numpy as np
import pytest
import torch

from videobert_hf.configuration_videobert import VideoBertVisualTokenizerConfig
from videobert_hf.visual_tokenizer_videobert import (
    _ENCODE_MIN_ROWS,
    _ENCODE_PIECE_ROWS,
    _FIT_PIECE_ROWS,
    NonFiniteFeaturesError,
    VideoBertHierarchicalKMeans,
    VideoBertVisualTokenizer,
    _active_row_runs,
    _node_dots,
    _squared_norms,
)


_BENCH_SPEC = importlib.util.spec_from_file_location(
    "bench_kmeans", Path(__file__).resolve().parents[1] / "benchmarks" / "bench_kmeans.py"
)
_BENCH_KMEANS = importlib.util.module_from_spec(_BENCH_SPEC)
_BENCH_SPEC.loader.exec_module(_BENCH_KMEANS)


DIM = 16
TINY_VIDEOMAE = {
    "model_type": "videomae",
    "image_size": 32,
    "patch_size": 16,
    "num_frames": 4,
    "tubelet_size": 2,
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 37,
}


def codebook_tokenizer(dim=DIM, **kwargs) -> VideoBertVisualTokenizer:
    """A tokenizer whose features are `dim`-d (a tiny VideoMAE config only fixes the dimension)."""
    config = VideoBertVisualTokenizerConfig(
        clip_encoder="transformers", backbone_config={**TINY_VIDEOMAE, "hidden_size": dim}, **kwargs
    )
    return VideoBertVisualTokenizer(config)


def hierarchical_blobs(levels=2, branching=3, per_blob=30, dim=DIM, seed=0):
    """branching**levels Gaussian blobs nested as a tree (spread shrinking 10x per level), labelled by leaf path."""
    generator = torch.Generator().manual_seed(seed)
    centres = torch.zeros(1, dim)
    for level in range(levels):
        offsets = torch.randn(centres.shape[0], branching, dim, generator=generator) * 10.0 ** (2 - level)
        centres = (centres[:, None, :] + offsets).reshape(-1, dim)
    points = centres[:, None, :] + 0.01 * torch.randn(centres.shape[0], per_blob, dim, generator=generator)
    labels = torch.arange(centres.shape[0]).repeat_interleave(per_blob)
    return points.reshape(-1, dim), labels


def naive_descend(tokenizer, features):
    codebook = tokenizer.codebook
    ids = []
    for x in tokenizer.conditioning(features):
        node = 0
        for level in range(codebook.levels):
            children = codebook.level_centroids(level)[node]
            node = node * codebook.branching + int(((children - x) ** 2).sum(-1).argmin())
        ids.append(node)
    return torch.tensor(ids)


def codebook_state(tokenizer):
    return {k: v.clone() for k, v in tokenizer.state_dict().items() if not k.startswith("clip_encoder")}


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.parametrize("levels,branching", [(1, 4), (2, 3), (3, 2)])
def test_kmeans_recovers_nested_blobs(levels, branching):
    features, labels = hierarchical_blobs(levels, branching)
    tokenizer = codebook_tokenizer(levels=levels, branching=branching).fit(features, show_progress=False)
    ids = tokenizer.encode(features)
    # Purity 1.0 and one leaf per blob.
    blob_to_leaf = {}
    for blob, leaf in zip(labels.tolist(), ids.tolist()):
        assert blob_to_leaf.setdefault(blob, leaf) == leaf
    assert len(set(blob_to_leaf.values())) == branching**levels


def test_fit_is_deterministic_and_seed_dependent():
    features = torch.randn(600, DIM, generator=torch.Generator().manual_seed(1))
    a = codebook_state(codebook_tokenizer(levels=2, branching=4).fit(features, show_progress=False))
    b = codebook_state(codebook_tokenizer(levels=2, branching=4).fit(features, show_progress=False))
    c = codebook_state(codebook_tokenizer(levels=2, branching=4).fit(features, show_progress=False, kmeans_seed=1))
    assert_same_state(a, b)
    assert not torch.equal(a["codebook.centroids_1"], c["codebook.centroids_1"])


def test_fit_speed_ups_keep_the_codebook(monkeypatch):
    # the fit's row norms in pieces, its exact distances in place and its reordering into the buffer of two levels
    # before are speed-ups only: every value as with fresh whole-tensor temporaries
    rows = torch.randn(2 * _FIT_PIECE_ROWS + 7, DIM, generator=torch.Generator().manual_seed(3)) * 40
    assert torch.equal(_squared_norms(rows), rows.square().sum(-1))
    features = torch.randn(3000, DIM, generator=torch.Generator().manual_seed(2)) * 40
    fast = codebook_state(codebook_tokenizer(levels=3, branching=3).fit(features, show_progress=False))
    layout = VideoBertHierarchicalKMeans._layout
    monkeypatch.setattr(VideoBertHierarchicalKMeans, "_layout", lambda self, *args, out=None: layout(self, *args))
    monkeypatch.setattr("videobert_hf.visual_tokenizer_videobert._FIT_PIECE_ROWS", 10**9)
    assert_same_state(
        fast, codebook_state(codebook_tokenizer(levels=3, branching=3).fit(features, show_progress=False))
    )


def test_lloyd_updates_only_the_rows_of_nodes_still_moving():
    # nodes 0-4 own rows [0, 3), [3, 3), [3, 7), [7, 9), [9, 12): active 1, 2 and 4 (node 1 is empty) give two runs
    active = torch.tensor([False, True, True, False, True])
    assert _active_row_runs(active, [0, 3, 3, 7, 9, 12]) == [(3, 7), (9, 12)]
    assert _active_row_runs(torch.ones(5, dtype=torch.bool), [0, 3, 3, 7, 9, 12]) == [(0, 12)]
    assert _active_row_runs(torch.zeros(5, dtype=torch.bool), [0, 3, 3, 7, 9, 12]) == []


@pytest.mark.parametrize("max_fit_points", [None, 250])
def test_chunked_fit_equals_in_memory_fit(max_fit_points, tmp_path):
    """The reservoir draws one number per row in stream order: chunking never changes the codebook."""
    generator = torch.Generator().manual_seed(2)
    features = torch.randn(700, DIM, generator=generator)
    frames = torch.randint(0, 256, (700, 8, 8, 3), dtype=torch.uint8, generator=generator)
    kwargs = {"levels": 2, "branching": 3, "thumbnail_size": 8}
    fit_kwargs = {"max_fit_points": max_fit_points, "show_progress": False}
    in_memory = codebook_tokenizer(**kwargs).fit(features, thumbnails=frames, **fit_kwargs)
    cuts = [0, 1, 64, 300, 301, 700]
    chunked = codebook_tokenizer(**kwargs).fit(
        (features[a:b].numpy() for a, b in zip(cuts, cuts[1:])),
        thumbnails=(frames[a:b] for a, b in zip(cuts, cuts[1:])),
        **fit_kwargs,
    )
    memmap = np.lib.format.open_memmap(tmp_path / "f.npy", mode="w+", dtype=np.float32, shape=(700, DIM))
    memmap[:] = features.numpy()
    from_memmap = codebook_tokenizer(**kwargs).fit(memmap, thumbnails=frames.numpy(), **fit_kwargs)
    assert_same_state(codebook_state(in_memory), codebook_state(chunked))
    assert_same_state(codebook_state(in_memory), codebook_state(from_memmap))


def test_reservoir_sample_size_and_logging():
    features = torch.randn(500, DIM, generator=torch.Generator().manual_seed(3))
    tokenizer = codebook_tokenizer(levels=1, branching=3).fit(features, show_progress=False, max_fit_points=40)
    assert tokenizer.is_fitted
    assert tokenizer.encode(features).max() < 3


def test_fewer_points_than_leaves():
    """A node with n < branching points takes child k = point k mod n; empty nodes copy their parent centroid."""
    features = torch.randn(5, DIM, generator=torch.Generator().manual_seed(4))
    tokenizer = codebook_tokenizer(levels=2, branching=3).fit(features, show_progress=False)
    codebook = tokenizer.codebook
    ids = tokenizer.encode(features)
    assert len(set(ids.tolist())) == 5  # every point still gets its own leaf
    assert torch.equal(ids, naive_descend(tokenizer, features))
    level_1 = codebook.level_centroids(1)
    level_0 = codebook.level_centroids(0)[0]
    for node in range(3):
        children = level_1[node]
        members = features[ids // 3 == node]
        if members.shape[0] == 0:
            assert torch.equal(children, level_0[node].expand(3, -1))
        else:
            # every child centroid is one of the node's points, each point appears
            for child in children:
                assert any(torch.equal(child, m) for m in members)
            assert {int(i) for i in ids[ids // 3 == node] % 3} == set(range(members.shape[0]))
    # only leaves with a clip have a thumbnail-bearing row; the others stay blank
    assert int(tokenizer.has_thumbnail.sum()) == 0  # no thumbnails given


def test_single_point_and_duplicate_points():
    one = torch.randn(1, DIM)
    tokenizer = codebook_tokenizer(levels=2, branching=3).fit(one, show_progress=False)
    assert tokenizer.encode(one).tolist() == [0]
    # 40 copies of 2 distinct points: 3 clusters, one stays a duplicate; nothing breaks, result is deterministic.
    duplicates = torch.cat([torch.zeros(20, DIM), torch.ones(20, DIM)])
    a = codebook_tokenizer(levels=2, branching=3).fit(duplicates, show_progress=False)
    b = codebook_tokenizer(levels=2, branching=3).fit(duplicates, show_progress=False)
    assert_same_state(codebook_state(a), codebook_state(b))
    ids = a.encode(duplicates)
    assert ids[:20].unique().numel() == 1 and ids[20:].unique().numel() == 1 and ids[0] != ids[20]
    assert torch.isfinite(a.codebook.centroids_1).all()


def test_empty_cluster_is_reseeded_from_largest_cluster():
    """Random init on 3 points taken from one tight blob of a 2-blob node: Lloyd must not leave a cluster empty."""
    generator = torch.Generator().manual_seed(5)
    blob_a = torch.randn(200, DIM, generator=generator) * 0.01
    blob_b = 100 + torch.randn(10, DIM, generator=generator) * 0.01
    features = torch.cat([blob_a, blob_b])
    tokenizer = codebook_tokenizer(levels=1, branching=3)
    tokenizer.fit(features, show_progress=False, kmeans_init="random", max_points_per_centroid=None)
    counts = torch.bincount(tokenizer.encode(features), minlength=3)
    assert (counts > 0).all()
    assert tokenizer.encode(blob_b).unique().numel() == 1


def test_encode_matches_naive_descent_and_chunking():
    generator = torch.Generator().manual_seed(6)
    features = torch.randn(400, DIM, generator=generator)
    tokenizer = codebook_tokenizer(levels=3, branching=3).fit(features, show_progress=False)
    queries = torch.randn(300, DIM, generator=generator)
    ids = tokenizer.encode(queries, batch_size=37)
    assert torch.equal(ids, naive_descend(tokenizer, queries))
    assert torch.equal(ids, tokenizer.encode(queries))
    assert ids.dtype == torch.long and int(ids.max()) < 27


def previous_descend(codebook, features, batch_size=65536):
    """The descent before the gather-in-pieces rewrite: the reference `benchmarks/bench_kmeans.py` times too."""
    return _BENCH_KMEANS.previous_descend(codebook, features, chunk_rows=batch_size)


def random_codebook(levels, branching, dim, generator, integer=False):
    """A codebook with random centroids (small integers: every distance is exact, ties are exact ties)."""
    config = VideoBertVisualTokenizerConfig(
        clip_encoder="transformers",
        backbone_config={**TINY_VIDEOMAE, "hidden_size": dim},
        levels=levels,
        branching=branching,
    )
    codebook = VideoBertHierarchicalKMeans(config)
    for level in range(levels):
        centroids = codebook.level_centroids(level)
        if integer:
            centroids.copy_(torch.randint(-2, 3, centroids.shape, generator=generator).float())
        else:
            centroids.copy_(torch.randn(centroids.shape, generator=generator))
        # duplicated children (exact ties): child 1 repeats child 0, the last child repeats child 2
        centroids[:, 1] = centroids[:, 0]
        centroids[:, -1] = centroids[:, 2]
    return codebook


def picks_a_duplicate(ids, branching, levels=3):
    """Rows whose path takes child 1 (a copy of child 0) or the last child (a copy of child 2) at some level."""
    paths = [(ids // branching**level) % branching for level in range(levels)]
    return torch.stack([(path == 1) | ((path == branching - 1) & (branching > 3)) for path in paths]).any(0)


@pytest.mark.parametrize("branching", [3, 12, 13])
@pytest.mark.parametrize("encode_batch_size", [37, 65536])
def test_encode_agrees_with_previous_descent_on_ties_and_duplicates(branching, encode_batch_size):
    """
    Same ids as the previous implementation, and exact ties go to the lowest child index. Exceptions, both from the
    previous implementation multiplying a node with a few rows on those rows only, where MKL's small-matrix kernels
    round differently: two identical children could get different dot products, so that a duplicated child could
    win (seen with branching 13 and 37-row chunks; the new descent never picks one), and float32 near-ties (points
    halfway between two centroids) could go the other way.
    """
    generator = torch.Generator().manual_seed(10 + branching)
    for integer in (True, False):
        codebook = random_codebook(3, branching, 24, generator, integer)
        if integer:
            queries = torch.randint(-2, 3, (1500, 24), generator=generator).float()
        else:
            queries = torch.randn(1500, 24, generator=generator)
        # duplicate vectors, vectors on centroids and halfway between two of them
        leaf = codebook.level_centroids(2).reshape(-1, 24)
        queries[:50] = queries[50:100]
        queries[100:150] = leaf[torch.randint(0, leaf.shape[0], (50,), generator=generator)]
        halfway = min(50, leaf.shape[0] - 1)
        queries[150 : 150 + halfway] = (leaf[:halfway] + leaf[1 : halfway + 1]) / 2
        ids = codebook(queries, batch_size=encode_batch_size)
        previous = previous_descend(codebook, queries, encode_batch_size)
        assert not bool(picks_a_duplicate(ids, branching).any())
        kept = ~picks_a_duplicate(previous, branching)
        if not integer:  # halfway in float32: the tie is decided by rounding, which the old small products changed
            kept[150 : 150 + halfway] = False
        assert torch.equal(ids[kept], previous[kept]), integer
        assert int(kept.sum()) >= 0.9 * queries.shape[0]  # the comparison covers most rows
        if integer:  # every distance is an exact integer: a reference on the true distances agrees too
            children = [codebook.level_centroids(level) for level in range(3)]
            expected = torch.zeros(queries.shape[0], dtype=torch.long)
            for level in range(3):
                distances = (queries[:, None, :] - children[level][expected]).square().sum(-1)
                expected = expected * branching + distances.argmin(dim=1)
            assert torch.equal(ids, expected)


def test_encode_is_independent_of_the_batch():
    """A vector gets the same id alone, in any batch and any chunking (products of a few rows round like big ones)."""
    generator = torch.Generator().manual_seed(11)
    codebook = random_codebook(3, 12, 64, generator)
    queries = torch.randn(700, 64, generator=generator)
    ids = codebook(queries)
    assert torch.equal(ids, torch.cat([codebook(row[None]) for row in queries[:40]] + [ids[40:]]))
    assert torch.equal(codebook(queries, batch_size=5), ids)


@pytest.mark.parametrize("branching", [3, 12, 16, 20])
def test_encode_products_round_like_one_big_product(branching):
    """The BLAS facts the descent relies on: padding the children to a multiple of 8 columns and multiplying a node
    with few rows on >= _ENCODE_MIN_ROWS rows give the same float32 dot products as one large plain product."""
    generator = torch.Generator().manual_seed(12)
    codebook = random_codebook(1, branching, 96, generator)
    features = torch.randn(1000, 96, generator=generator) * 3 + 1
    reference = features @ codebook.level_centroids(0)[0].T
    weights, _ = codebook._encode_tables(features.device)
    assert weights[0][0].shape[-1] == (branching if branching < 12 else -(-branching // 8) * 8)
    width = weights[0][0].shape[-1]
    buffers = (torch.zeros(_ENCODE_PIECE_ROWS, 96), torch.empty(_ENCODE_MIN_ROWS, width))
    position = torch.randperm(1000, generator=generator)
    for start, end in [(0, 1), (5, 8), (100, 111), (200, 216), (300, 1000)]:
        dots = torch.full((1000, width), float("nan"))
        _node_dots(features, position, start, end, weights[0][0], dots, buffers)
        assert torch.equal(dots[start:end, :branching], reference[position[start:end]]), (start, end)
    dots = torch.empty(1000, width)
    _node_dots(features, None, 0, 1000, weights[0][0], dots, buffers)
    assert torch.equal(dots[:, :branching], reference)


def test_encode_tables_follow_the_centroids():
    """The cached encoding tables are rebuilt when the centroids change in place, are reloaded or move."""
    generator = torch.Generator().manual_seed(13)
    codebook = random_codebook(3, 12, 32, generator)
    queries = torch.randn(400, 32, generator=generator)
    ids = codebook(queries)
    tables = codebook._encode_cache
    assert torch.equal(codebook(queries), ids) and codebook._encode_cache is tables
    codebook.centroids_1.mul_(-1)
    assert torch.equal(codebook(queries), previous_descend(codebook, queries))
    codebook.load_state_dict({key: value.flip(1) for key, value in codebook.state_dict().items()})
    assert torch.equal(codebook(queries), previous_descend(codebook, queries))
    codebook.double().float()
    assert torch.equal(codebook(queries), previous_descend(codebook, queries))
    assert copy.deepcopy(codebook)._encode_cache is None
    with torch.inference_mode():
        fresh = random_codebook(2, 12, 32, generator)  # inference tensors: no version counter, no cache
        assert torch.equal(fresh(queries), previous_descend(fresh, queries)) and fresh._encode_cache is None


def test_whitening_gives_identity_covariance_then_l2():
    generator = torch.Generator().manual_seed(7)
    mixing = torch.randn(DIM, DIM, generator=generator)
    features = torch.randn(3000, DIM, generator=generator) @ mixing + 5
    tokenizer = codebook_tokenizer(levels=1, branching=3, whiten_dim=8).fit(
        features, show_progress=False, whiten_eps=0.0
    )
    conditioning = tokenizer.conditioning
    whitened = (features - conditioning.mean) @ conditioning.projection
    covariance = torch.cov(whitened.T)
    assert torch.allclose(covariance, torch.eye(8), atol=1e-3)
    assert tokenizer.codebook.centroids_0.shape == (1, 3, 8)
    normalised = codebook_tokenizer(levels=1, branching=3, whiten_dim=8, l2_normalize=True).fit(
        features, show_progress=False
    )
    assert torch.allclose(normalised.conditioning(features).norm(dim=-1), torch.ones(3000), atol=1e-5)


def test_thumbnails_nearest_clip_per_leaf():
    features, labels = hierarchical_blobs(2, 3, per_blob=10)
    # frame of clip i is filled with the value i; thumbnails are 8x8, frames 16x16 (resized)
    frames = torch.arange(90, dtype=torch.uint8)[:, None, None, None].expand(90, 16, 16, 3).contiguous()
    tokenizer = codebook_tokenizer(levels=2, branching=3, thumbnail_size=8).fit(
        features, thumbnails=frames, show_progress=False
    )
    ids = tokenizer.encode(features)
    assert int(tokenizer.has_thumbnail.sum()) == 9
    thumbnails = tokenizer.token_thumbnails(ids)
    assert thumbnails.shape == (90, 8, 8, 3) and thumbnails.dtype == np.uint8
    flat_centroids = tokenizer.codebook.centroids_1.reshape(9, DIM)
    for leaf in ids.unique().tolist():
        members = torch.nonzero(ids == leaf).flatten()
        nearest = members[((features[members] - flat_centroids[leaf]) ** 2).sum(-1).argmin()]
        assert (tokenizer.token_thumbnails([leaf])[0] == int(nearest)).all()
    empty_leaf = 0 if 0 not in ids else None
    blank = tokenizer.token_thumbnails(torch.arange(9))[~tokenizer.has_thumbnail[:9].numpy()]
    assert (blank == 128).all() or empty_leaf is None


def test_s3d_clip_features_and_forward():
    torch.manual_seed(0)
    tokenizer = VideoBertVisualTokenizer(VideoBertVisualTokenizerConfig(levels=2, branching=2))
    clips = torch.randn(5, 3, 8, 32, 32)
    features = tokenizer.get_clip_features(clips, batch_size=2)
    assert features.shape == (5, 1024)
    assert torch.allclose(features, tokenizer.get_clip_features(clips, batch_size=5), atol=1e-5)
    tokenizer.fit(features, show_progress=False)
    assert torch.equal(tokenizer(clips), tokenizer.encode(features))


def test_s3d_blocks_pool_each_block_l2_normalised_in_trunk_order(tmp_path):
    torch.manual_seed(0)
    config = VideoBertVisualTokenizerConfig(levels=1, branching=2, s3d_blocks=["Mixed_5c", "Conv_2c"])
    assert config.s3d_blocks == ["Conv_2c", "Mixed_5c"] and config.feature_dim == 192 + 1024
    tokenizer = VideoBertVisualTokenizer(config).eval()
    clips = torch.randn(3, 3, 8, 32, 32)
    features = tokenizer.get_clip_features(clips)
    trunk = tokenizer.clip_encoder.features
    with torch.no_grad():
        early = trunk[:4](clips).mean(dim=(2, 3, 4))  # Conv_2c is block 3 of torchvision's S3D trunk
        last = trunk(clips).mean(dim=(2, 3, 4))
    expected = torch.cat(
        [torch.nn.functional.normalize(early, dim=-1), torch.nn.functional.normalize(last, dim=-1)], 1
    )
    assert torch.allclose(features, expected, atol=1e-5)

    tokenizer.fit(features, show_progress=False)
    tokenizer.save_pretrained(tmp_path)
    loaded = VideoBertVisualTokenizer.from_pretrained(tmp_path)
    assert loaded.config.s3d_blocks == ["Conv_2c", "Mixed_5c"]
    assert torch.allclose(loaded.get_clip_features(clips), features, atol=1e-6)
    assert torch.equal(loaded(clips), tokenizer(clips))

    # one block: its pooled output as is (no normalisation), the trunk cut after it
    single = VideoBertVisualTokenizer(VideoBertVisualTokenizerConfig(levels=1, s3d_blocks=["Mixed_3c"])).eval()
    with torch.no_grad():
        expected = single.clip_encoder.features[:7](clips).mean(dim=(2, 3, 4))
    assert single.config.feature_dim == 480
    assert torch.allclose(single.get_clip_features(clips), expected, atol=1e-5)


def test_s3d_kinetics_weights_from_local_state_dict(tmp_path):
    from torchvision.models.video import s3d

    reference = s3d(weights=None)
    torch.save(reference.state_dict(), tmp_path / "s3d.pth")
    tokenizer = VideoBertVisualTokenizer.from_clip_encoder("s3d", weights=tmp_path / "s3d.pth", levels=1)
    assert torch.equal(tokenizer.clip_encoder.features[0][0][0].weight, reference.features[0][0][0].weight)
    torch.save({"classifier.1.weight": torch.zeros(1)}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="features"):
        VideoBertVisualTokenizer.from_clip_encoder("s3d", weights=tmp_path / "bad.pth", levels=1)


def test_videomae_backbone_and_save_load_round_trip(tmp_path):
    from transformers import VideoMAEConfig, VideoMAEModel

    torch.manual_seed(0)
    backbone_config = {k: v for k, v in TINY_VIDEOMAE.items() if k != "model_type"}
    VideoMAEModel(VideoMAEConfig(**backbone_config)).save_pretrained(tmp_path / "videomae")
    tokenizer = VideoBertVisualTokenizer.from_clip_encoder(
        str(tmp_path / "videomae"), levels=2, branching=3, whiten_dim=4, l2_normalize=True, thumbnail_size=4
    )
    assert tokenizer.config.backbone == str(tmp_path / "videomae")
    original = VideoMAEModel.from_pretrained(tmp_path / "videomae")
    clips = torch.randn(12, 3, 4, 32, 32)
    features = tokenizer.get_clip_features(clips)
    assert features.shape == (12, 32)
    expected = original(pixel_values=clips.permute(0, 2, 1, 3, 4)).last_hidden_state.mean(1)
    assert torch.allclose(features, expected, atol=1e-5)
    frames = torch.randint(0, 256, (12, 4, 4, 3), dtype=torch.uint8)
    tokenizer.fit(features, thumbnails=frames, show_progress=False)
    ids = tokenizer(clips)

    (tmp_path / "videomae").rename(tmp_path / "gone")  # loading must not need the backbone checkpoint
    tokenizer.save_pretrained(tmp_path / "tokenizer")
    assert (tmp_path / "tokenizer" / "model.safetensors").exists()
    loaded = VideoBertVisualTokenizer.from_pretrained(tmp_path / "tokenizer")
    assert torch.equal(loaded(clips), ids)
    assert np.array_equal(loaded.token_thumbnails(ids), tokenizer.token_thumbnails(ids))
    assert torch.equal(loaded.has_thumbnail, tokenizer.has_thumbnail)
    assert_same_state(codebook_state(loaded), codebook_state(tokenizer))


def test_s3d_save_load_round_trip(tmp_path):
    torch.manual_seed(0)
    tokenizer = VideoBertVisualTokenizer(VideoBertVisualTokenizerConfig(levels=1, branching=2, thumbnail_size=2))
    clips = torch.randn(3, 3, 8, 32, 32)
    tokenizer.fit(tokenizer.get_clip_features(clips), thumbnails=torch.zeros(3, 2, 2, 3, dtype=torch.uint8))
    tokenizer.save_pretrained(tmp_path)
    loaded = VideoBertVisualTokenizer.from_pretrained(tmp_path)
    assert loaded.is_fitted
    assert torch.equal(loaded(clips), tokenizer(clips))


def test_errors():
    tokenizer = codebook_tokenizer(levels=1, branching=2)
    with pytest.raises(RuntimeError, match="never fitted"):
        tokenizer.encode(torch.randn(2, DIM))
    with pytest.raises(RuntimeError, match="never fitted"):
        tokenizer(torch.randn(1, 3, 4, 32, 32))
    with pytest.raises(ValueError, match="5-D"):
        tokenizer.get_clip_features(torch.randn(3, 4, 32, 32))
    with pytest.raises(ValueError, match=r"\[num_clips, 16\]"):
        tokenizer.fit(torch.randn(5, DIM + 1), show_progress=False)
    with pytest.raises(ValueError, match="0 clips"):
        tokenizer.fit(iter([]), show_progress=False)
    with pytest.raises(ValueError, match="aligned with the features"):
        tokenizer.fit(torch.randn(5, DIM), thumbnails=torch.zeros(4, 8, 8, 3, dtype=torch.uint8))
    with pytest.raises(TypeError, match="iterable"):
        tokenizer.fit(3.0)
    tokenizer.fit(torch.randn(5, DIM), show_progress=False)
    with pytest.raises(ValueError, match=r"\[num_clips, 16\]"):
        tokenizer.encode(torch.randn(2, DIM + 1))
    with pytest.raises(ValueError, match="must lie in"):
        tokenizer.token_thumbnails([2])
    with pytest.raises(ValueError, match="PCA whitening needs at least 2"):
        codebook_tokenizer(levels=1, branching=2, whiten_dim=2).fit(torch.randn(1, DIM), show_progress=False)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"levels": 0}, "levels must be >= 1"),
        ({"branching": 1}, "branching >= 2"),
        ({"clip_encoder": "resnet"}, "clip_encoder must be"),
        ({"clip_encoder": "transformers"}, "needs `backbone`"),
        ({"backbone_config": {"model_type": "videomae", "hidden_size": 8}}, "only used with"),
        ({"whiten_dim": 2000}, "whiten_dim must lie"),
        ({"s3d_blocks": ["Mixed_9"]}, r"\['Mixed_9'\] unknown"),
        ({"s3d_blocks": []}, "s3d_blocks must be distinct names"),
        ({"s3d_blocks": ["Conv_2c", "Conv_2c"]}, "s3d_blocks must be distinct names"),
        (
            {
                "clip_encoder": "transformers",
                "backbone_config": {"model_type": "videomae", "hidden_size": 8},
                "s3d_blocks": ["Conv_2c"],
            },
            "s3d_blocks is only used",
        ),  # fmt: skip
        ({"thumbnail_size": 0}, "thumbnail_size must be >= 1"),
    ],
)
def test_config_validation(kwargs, match):
    with pytest.raises(Exception, match=match):
        VideoBertVisualTokenizerConfig(**kwargs)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"kmeans_init": "kmeans||"}, "kmeans_init must be"),
        ({"kmeans_max_iter": 0}, "kmeans_max_iter must be >= 1"),
        ({"max_points_per_centroid": 0}, "max_points_per_centroid must be >= 1 or None"),
        ({"max_fit_points": 0}, "max_fit_points must be >= 1 or None"),
        ({"whiten_eps": -1.0}, "whiten_eps must be >= 0"),
    ],
)
def test_fit_settings_validation(kwargs, match):
    def never_read():  # the settings are checked before the feature stream is read
        raise AssertionError("the stream was read")
        yield

    with pytest.raises(ValueError, match=match):
        codebook_tokenizer(levels=1, branching=2).fit(never_read(), show_progress=False, **kwargs)


def test_config_round_trip(tmp_path):
    config = VideoBertVisualTokenizerConfig(
        clip_encoder="transformers", backbone_config=TINY_VIDEOMAE, levels=3, whiten_dim=16
    )
    config.save_pretrained(tmp_path)
    loaded = VideoBertVisualTokenizerConfig.from_pretrained(tmp_path)
    assert loaded.backbone_config["hidden_size"] == 32 and loaded.levels == 3 and loaded.codebook_dim == 16
    assert loaded.visual_vocab_size == 12**3


# ------------------------------------------------------------------ fitting settings are `fit()` arguments
# Leaf ids (one hex digit per row) and the sums of |tensor| that a tokenizer fitted with these settings had when they
# were config fields (videobert_hf before the move, same data and seed): the move changed no number.
FITTED_THE_OLD_WAY = {
    "random": (
        {"levels": 2, "branching": 3, "whiten_dim": 8},
        {
            "kmeans_init": "random",
            "kmeans_max_iter": 3,
            "kmeans_seed": 5,
            "max_points_per_centroid": 20,
            "max_fit_points": 200,
            "whiten_eps": 1e-3,
        },
        "25262034010001232310552133433224031400374058546332476021014800635011032536542050023232602238371211200048046541"
        "41382303103331352743143831003115301103726223031183174424430523545523420415305226637103472573233445464502008313"
        "71315222181005302333",
        {
            "conditioning.mean": 48.758,
            "conditioning.projection": 5.0292,
            "codebook.centroids_0": 8.9176,
            "codebook.centroids_1": 35.6349,
        },
    ),
    "k-means++": (
        {"levels": 2, "branching": 4, "l2_normalize": True},
        {"kmeans_max_iter": 5, "kmeans_seed": 7, "max_points_per_centroid": None, "max_fit_points": None},
        "7092860c126592935b9b678538d336fa981f24abc900ae2306e126e92d4b652a86e7609f41afb2a6677539e6883b42167bfbb6e0640949"
        "45c89367e64aaf029ee4efb0a556c22d3229babbb7fa97e28ae2e47ed8acf3ecc0e0390afa85c9eb03b2e3e893e8904ef4fbf76b26b72c"
        "8235bb7b0b2267a298a0",
        {"codebook.centroids_0": 9.6846, "codebook.centroids_1": 42.9527},
    ),
}


@pytest.mark.parametrize("case", list(FITTED_THE_OLD_WAY))
def test_fit_arguments_give_the_codebook_the_config_fields_gave(case):
    config_kwargs, fit_kwargs, expected_ids, expected_sums = FITTED_THE_OLD_WAY[case]
    generator = torch.Generator().manual_seed(21)
    features = torch.randn(240, DIM, generator=generator) @ torch.randn(DIM, DIM, generator=generator) + 3
    tokenizer = codebook_tokenizer(**config_kwargs).fit(features, show_progress=False, **fit_kwargs)
    assert "".join(format(i, "x") for i in tokenizer.encode(features).tolist()) == expected_ids
    state = tokenizer.state_dict()
    for name, expected in expected_sums.items():
        assert float(state[name].double().abs().sum()) == pytest.approx(expected, abs=2e-4), name


RETIRED = {
    "kmeans_init": "random",
    "kmeans_max_iter": 7,
    "kmeans_seed": 3,
    "max_points_per_centroid": None,
    "max_fit_points": 100,
    "whiten_eps": 0.1,
    "encode_batch_size": 9,
}


class WarningRecords(logging.Handler):
    """Collects the records of WARNING or above of the transformers and videobert_hf loggers."""

    def __enter__(self):
        self.records = []
        self.setLevel(logging.WARNING)
        for name in ("transformers", "videobert_hf"):
            logging.getLogger(name).addHandler(self)
        return self.records

    def __exit__(self, *exc):
        for name in ("transformers", "videobert_hf"):
            logging.getLogger(name).removeHandler(self)

    def emit(self, record):
        self.records.append(record.getMessage())


def test_checkpoint_whose_config_holds_the_fitting_settings_loads(tmp_path):
    features = torch.randn(40, DIM, generator=torch.Generator().manual_seed(14))
    tokenizer = codebook_tokenizer(levels=2, branching=3, thumbnail_size=4).fit(features, show_progress=False)
    tokenizer.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert not set(RETIRED) & set(saved)  # the fitting settings are no longer written
    (tmp_path / "config.json").write_text(json.dumps({**saved, **RETIRED}))  # a checkpoint saved before the move

    with WarningRecords() as warnings:
        loaded = VideoBertVisualTokenizer.from_pretrained(tmp_path)
        config = VideoBertVisualTokenizerConfig.from_pretrained(tmp_path)
    assert warnings == []
    assert torch.equal(loaded.encode(features), tokenizer.encode(features))
    for key in RETIRED:  # dropped, not kept as attributes that a new save would write again
        assert not hasattr(config, key) and key not in config.to_dict()
    assert config.visual_vocab_size == 9


def test_from_clip_encoder_rejects_fitting_settings():
    with pytest.raises(TypeError, match="kmeans_seed, max_fit_points are no longer config fields: pass them to `fit`"):
        VideoBertVisualTokenizer.from_clip_encoder("s3d", levels=1, kmeans_seed=1, max_fit_points=10)


def test_fit_works_with_progress_bars_disabled():
    """transformers' no-op progress bar has no `total`: a level that converges early must not read it."""
    from transformers.utils import logging as hf_logging

    features, _ = hierarchical_blobs(2, 3)
    hf_logging.disable_progress_bar()
    try:
        tokenizer = codebook_tokenizer(levels=2, branching=3).fit(features, show_progress=True)
    finally:
        hf_logging.enable_progress_bar()
    assert torch.equal(
        tokenizer.encode(features), codebook_tokenizer(levels=2, branching=3).fit(features).encode(features)
    )


# ------------------------------------------------------------------ non-finite features
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_encode_rejects_a_non_finite_row(bad):
    tokenizer = codebook_tokenizer(levels=2, branching=3).fit(torch.randn(30, DIM), show_progress=False)
    features = torch.randn(10, DIM)
    features[7, 3] = bad
    with pytest.raises(NonFiniteFeaturesError, match=r"`features` row 7 holds NaN or inf") as error:
        tokenizer.encode(features, batch_size=4)  # the row is named in the whole input, not in its chunk
    assert (error.value.row, error.value.chunk) == (7, None) and isinstance(error.value, ValueError)
    too_large = np.zeros((2, DIM))
    too_large[1, 0] = 1e300  # finite in float64, inf in the float32 the codebook compares in
    with pytest.raises(NonFiniteFeaturesError, match="row 1"):
        tokenizer.encode(too_large)


def test_fit_rejects_non_finite_features_naming_the_row_and_chunk(tmp_path):
    features = torch.randn(300, DIM, generator=torch.Generator().manual_seed(15))
    features[123, 0] = float("nan")
    features[200, 5] = float("inf")
    tokenizer = codebook_tokenizer(levels=1, branching=3)
    with pytest.raises(
        NonFiniteFeaturesError, match=r"`features` row 123 holds NaN or inf values \(2 of rows 0-299 do\)"
    ):
        tokenizer.fit(features, show_progress=False)
    memmap = np.lib.format.open_memmap(tmp_path / "f.npy", mode="w+", dtype=np.float32, shape=(300, DIM))
    memmap[:] = features.numpy()
    with pytest.raises(NonFiniteFeaturesError, match="`features` row 123 "):
        tokenizer.fit(memmap, show_progress=False)
    cuts = [0, 100, 150, 300]
    with pytest.raises(NonFiniteFeaturesError, match=r"`features` chunk 1 of the stream, row 123 holds") as error:
        tokenizer.fit((features[a:b].numpy() for a, b in zip(cuts, cuts[1:])), show_progress=False)
    assert (error.value.row, error.value.chunk) == (123, 1)
    # a non-finite row that the reservoir sample would not keep is still an error: the whole stream is checked
    with pytest.raises(NonFiniteFeaturesError, match="row 123"):
        tokenizer.fit(features, show_progress=False, max_fit_points=10)
    assert not tokenizer.is_fitted


def test_fit_rejects_whitening_that_divides_by_zero():
    features = torch.zeros(50, DIM)  # two varying dimensions < whiten_dim: constant ones (e.g. dead units)
    features[:, :2] = torch.randn(50, 2, generator=torch.Generator().manual_seed(16))
    tokenizer = codebook_tokenizer(levels=1, branching=2, whiten_dim=4).fit(features, show_progress=False)
    assert torch.isfinite(tokenizer.codebook.centroids_0).all()  # the default epsilon keeps it finite
    before = codebook_state(tokenizer)
    with pytest.raises(ValueError, match="whiten_eps=0 divides by a zero eigenvalue"):
        tokenizer.fit(features, show_progress=False, whiten_eps=0.0)
    assert_same_state(codebook_state(tokenizer), before)  # the failed fit changed nothing


def test_clips_with_non_finite_pixels_or_features_are_rejected():
    torch.manual_seed(0)
    tokenizer = VideoBertVisualTokenizer(VideoBertVisualTokenizerConfig(levels=1, branching=2))
    clips = torch.randn(5, 3, 8, 32, 32)
    tokenizer.fit(tokenizer.get_clip_features(clips), show_progress=False)
    clips[3, 1, 2, 5, 5] = float("nan")
    with pytest.raises(NonFiniteFeaturesError, match=r"`pixel_values_videos` clip 3 holds NaN or inf values"):
        tokenizer.get_clip_features(clips, batch_size=2)
    with pytest.raises(NonFiniteFeaturesError, match="clip 3"):
        tokenizer(clips)
    with pytest.raises(NonFiniteFeaturesError, match="clip 0"):
        tokenizer(torch.full((2, 3, 8, 32, 32), float("nan")))
    # the same named error when the colour histogram (which bins pixels) is part of the clip feature
    colour = VideoBertVisualTokenizer(
        VideoBertVisualTokenizerConfig(levels=1, branching=2, s3d_blocks=["colour_histogram", "Conv_2c"])
    )
    with pytest.raises(NonFiniteFeaturesError, match=r"`pixel_values_videos` clip 3 holds NaN or inf values"):
        colour.get_clip_features(clips, batch_size=2)
    appearance = VideoBertVisualTokenizer(  # and with the EfficientNet-Lite0 feature (which resizes frames)
        VideoBertVisualTokenizerConfig(levels=1, branching=2, s3d_blocks=["efficientnet_lite0_centre", "Conv_2c"])
    )
    with pytest.raises(NonFiniteFeaturesError, match=r"`pixel_values_videos` clip 3 holds NaN or inf values"):
        appearance.get_clip_features(clips, batch_size=2)
    # finite pixels, non-finite output (an encoder that overflows)
    tokenizer.clip_encoder.features[0][0][0].weight.data.fill_(float("inf"))
    with pytest.raises(NonFiniteFeaturesError, match="The clip encoder's output for clip 0 .*its pixels are finite"):
        tokenizer.get_clip_features(torch.randn(2, 3, 8, 32, 32))
