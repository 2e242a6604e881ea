"""The offline provider: deterministic feature hashing that puts similar items together."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from app.embeddings import EmbeddingError, get_provider
from app.embeddings.offline import OfflineProvider, features
from app.settings import Settings

WATERCOLOR = "Watercolor landscapes\nPainting skies and hills in watercolor\nTags: category:art, tool:watercolor"
WATERCOLOR_2 = "Loose watercolor florals\nWet-on-wet painting for beginners\nTags: category:art, tool:watercolor"
PYTHON = "Pandas for data analysis\nCleaning tables with Python and pandas\nTags: category:data, tool:python"
PYTHON_2 = "Python scripting basics\nAutomate files with small Python scripts\nTags: category:programming, tool:python"


def test_same_text_same_vector_in_a_new_process() -> None:
    vector = OfflineProvider(64).embed([WATERCOLOR])[0]
    # Python's hash() is salted per process; the provider must not depend on it.
    code = ("from app.embeddings.offline import OfflineProvider; import sys; "
            f"print(repr(OfflineProvider(64).embed([{WATERCOLOR!r}])[0]))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "12345", "PATH": ""} | _pythonpath())
    assert eval(other.stdout) == vector  # noqa: S307 - our own repr of a list of floats


def _pythonpath() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k in {"PYTHONPATH", "HOME"}}


def test_vectors_are_unit_length_with_the_requested_dimension() -> None:
    provider = OfflineProvider(384)
    matrix = np.asarray(provider.embed([WATERCOLOR, PYTHON, "", "the and of"]))
    assert matrix.shape == (4, 384)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
    # Texts with nothing in them share one direction rather than being a zero vector.
    assert np.allclose(matrix[2], matrix[3])


def test_items_sharing_words_and_tags_are_near_unrelated_ones_far() -> None:
    a, a2, b, b2 = np.asarray(OfflineProvider(384).embed([WATERCOLOR, WATERCOLOR_2, PYTHON, PYTHON_2]))
    assert a @ a2 > 0.4 and b @ b2 > 0.3
    assert abs(a @ b) < 0.15 and abs(a2 @ b2) < 0.15
    assert a @ a2 > a @ b + 0.3 and b @ b2 > b @ a2 + 0.3


def test_tags_alone_make_items_similar() -> None:
    x, y, z = np.asarray(OfflineProvider(384).embed([
        "Morning routine\nTags: topic:yoga", "Evening stretch\nTags: topic:yoga", "Evening stretch\nTags: topic:chess"]))
    assert x @ y > 0.5          # different titles, same tag
    assert y @ z < x @ y        # same title, different tag: the tag weighs more than one word


def test_features_are_words_bigrams_and_tags() -> None:
    f = features("Machine learning pipelines\nTags: tool:python, beginner")
    assert {"machine", "learning", "pipeline", "machine learning", "learning pipeline"} <= set(f)
    assert f["#tool:python"] == 2.0 and f["#beginner"] == 2.0
    assert "python" in f            # a typed tag's value is also a word
    assert "the" not in features("the cat")  # stop words dropped


def test_get_provider_defaults_to_offline_without_a_key() -> None:
    settings = Settings(embedding_provider="auto", openai_api_key=None, embedding_dim=32)
    provider = get_provider(settings)
    assert provider.name == "offline" and provider.dim == 32
    assert get_provider(settings, dim=48).dim == 48


def test_sentence_transformers_without_the_extra_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails like when not installed
    with pytest.raises(EmbeddingError):
        get_provider(Settings(embedding_provider="sentence-transformers"))


def test_sentence_transformers_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The adapter's own code, with a stand-in model (no model weights can be downloaded here)."""
    import types

    class FakeModel:
        def __init__(self, name: str) -> None:
            self.name = name

        def get_sentence_embedding_dimension(self) -> int:
            return 8

        def encode(self, texts, batch_size, normalize_embeddings, convert_to_numpy, show_progress_bar):
            assert normalize_embeddings
            return np.tile(np.eye(8, dtype=np.float32)[0], (len(texts), 1))

    monkeypatch.setitem(sys.modules, "sentence_transformers", types.SimpleNamespace(SentenceTransformer=FakeModel))
    provider = get_provider(Settings(embedding_provider="sentence-transformers", embedding_dim=8))
    assert provider.model.name == "all-MiniLM-L6-v2"
    assert provider.embed(["a", "b"]) == [[1.0] + [0.0] * 7] * 2
    from app.embeddings import EmbeddingDimensionError

    with pytest.raises(EmbeddingDimensionError):
        get_provider(Settings(embedding_provider="sentence-transformers", embedding_dim=16))
