"""The offline embedding provider: feature hashing, no network, no model.

What it is, plainly
-------------------
A bag of words, bigrams and tags projected into ``dim`` numbers by a hash function (the
"hashing trick", as in scikit-learn's ``HashingVectorizer``):

1. **Tokens.** The text is lower-cased and split into runs of letters and digits. A short list
   of English stop words ("the", "and", "with", ...) is dropped, and a trailing plural ``s``
   is removed from words longer than four letters ("paintings" → "painting"), so near-identical
   wordings meet.
2. **Features.** Every remaining word (weight 1), every pair of neighbouring words (weight
   0.5, so "machine learning" means more than "machine" and "learning" apart), and — from a
   ``Tags:`` line, the layout ``rec._embedding_text`` writes — every tag (weight 2,
   e.g. ``tool:python``; the value part also counts as a word). Repeated features grow
   sub-linearly (1 + ln count) so one word said five times does not drown the rest.
3. **Hashing.** Each feature's BLAKE2b digest picks a coordinate (digest mod ``dim``) and a sign
   (one more bit), and the feature's weight is added there. Signs make collisions cancel on
   average instead of piling up.
4. **Normalised.** The vector is scaled to length 1, so cosine similarity is a dot product.

What follows: items that share words, phrases and tags point the same way and unrelated
items are nearly orthogonal, which is enough for "similar items", the vector term of the
feed and hybrid search over the same vocabulary. It knows no synonyms ("car" and
"automobile" are unrelated) and no word order beyond pairs — use a real model (OpenAI or
sentence-transformers) for that. The same text always gives the same vector, on every
machine and Python version (no salted ``hash()``), so tests and replays are reproducible.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from hashlib import blake2b

import numpy as np

__all__ = ["OfflineProvider"]

_TOKEN = re.compile(r"[^\W_]+")
_STOP_WORDS = frozenset("""
a an and are as at be but by for from has have in into is it its of on or that the their this
to was were will with you your our we how what when where which who why not no can
""".split())
WORD_WEIGHT = 1.0
BIGRAM_WEIGHT = 0.5
TAG_WEIGHT = 2.0


def _normalise(word: str) -> str:
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased words of ``text`` without stop words, plural ``s`` removed."""
    return [_normalise(w) for w in _TOKEN.findall(text.lower()) if w not in _STOP_WORDS]


def features(text: str) -> Counter[str]:
    """Weighted features of one text (before hashing); exposed for tests and curious readers."""
    weights: Counter[str] = Counter()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped[:5].lower() == "tags:":
            for tag in stripped[5:].split(","):
                tag = tag.strip().lower()
                if not tag:
                    continue
                weights["#" + tag] += TAG_WEIGHT
                for word in tokens(tag.split(":", 1)[-1]):
                    weights[word] += WORD_WEIGHT
            continue
        words = tokens(stripped)
        for word in words:
            weights[word] += WORD_WEIGHT
        for first, second in zip(words, words[1:]):
            weights[first + " " + second] += BIGRAM_WEIGHT
    return weights


class OfflineProvider:
    """Deterministic feature-hashing embeddings (see the module docstring)."""

    name = "offline"

    def __init__(self, dim: int = 384) -> None:
        if dim < 2:
            raise ValueError("the offline provider needs dim >= 2")
        self.dim = dim
        # feature -> (index, sign); hashing dominates the cost and vocabularies repeat a lot.
        self._slots: dict[str, tuple[int, float]] = {}

    def _slot(self, feature: str) -> tuple[int, float]:
        slot = self._slots.get(feature)
        if slot is None:
            h = int.from_bytes(blake2b(feature.encode(), digest_size=8).digest(), "little")
            slot = (h % self.dim, 1.0 if (h >> 63) & 1 == 0 else -1.0)
            if len(self._slots) > 1_000_000:  # bound memory on endless vocabularies
                self._slots.clear()
            self._slots[feature] = slot
        return slot

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts`` as a float32 matrix (n, dim), each of length 1."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            weights = features(text)
            if not weights:
                # An empty text still needs a direction (a zero vector has no cosine): all
                # empty texts share this one.
                weights = Counter({"<empty>": 1.0})
            vector = out[row]
            for feature, weight in weights.items():
                index, sign = self._slot(feature)
                vector[index] += sign * _damp(feature, weight)
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                vector /= norm
            else:  # every feature cancelled out in collisions: extremely rare, still defined
                vector[self._slot("<empty>")[0]] = 1.0
        return out

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One unit vector of length ``dim`` per text."""
        return self.embed_array(texts).tolist()


def _damp(feature: str, weight: float) -> float:
    """1 + ln(count) times the feature's unit weight, from its summed weight."""
    unit = TAG_WEIGHT if feature.startswith("#") else BIGRAM_WEIGHT if " " in feature else WORD_WEIGHT
    count = weight / unit
    return unit * (1.0 + math.log(count)) if count >= 1 else weight
