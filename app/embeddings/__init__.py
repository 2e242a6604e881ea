"""Embedding providers: turn item text (and search queries) into vectors.

Three providers share one small interface (:class:`Provider`): ``.dim``, ``.name`` and
``.embed(texts) -> list[list[float]]``.

* ``openai``   — the ``openai`` client against api.openai.com or any OpenAI-compatible server
  (Ollama, vLLM, text-embeddings-inference) via ``PGREC_OPENAI_BASE_URL``.
* ``offline``  — feature hashing of words, bigrams and tags; no network, no model, deterministic
  (see :mod:`app.embeddings.offline` for exactly what it is and is not).
* ``sentence-transformers`` — a local model, when the ``local`` extra is installed.

``get_provider(settings)`` picks one: ``PGREC_EMBEDDING_PROVIDER`` when set, otherwise OpenAI
when an API key is configured and offline when not. The embed job (:mod:`app.embeddings.worker`)
is the only writer of item embeddings; it claims work from SQL and writes vectors back
through ``rec.embed_store``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from app.settings import Settings, get_settings

__all__ = [
    "EmbeddingAuthError", "EmbeddingDimensionError", "EmbeddingError", "Provider", "embed_array", "get_provider",
]


class EmbeddingError(RuntimeError):
    """A provider could not produce embeddings (after its retries); the message says why."""


class EmbeddingDimensionError(EmbeddingError):
    """The provider's vectors do not have the dimension the database stores."""


class EmbeddingAuthError(EmbeddingError):
    """The embeddings API rejected the credentials."""


@runtime_checkable
class Provider(Protocol):
    """What the embed job and query embedding need from a provider."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One vector of length ``dim`` per text, in order."""
        ...


def embed_array(provider: Provider, texts: list[str]) -> np.ndarray:
    """``provider.embed`` as a float32 matrix (n, dim), using a provider's fast path when it has one."""
    fast = getattr(provider, "embed_array", None)
    matrix = fast(texts) if fast is not None else np.asarray(provider.embed(texts), dtype=np.float32)
    matrix = np.asarray(matrix, dtype=np.float32).reshape(len(texts), -1) if len(texts) else np.zeros((0, provider.dim), np.float32)
    if matrix.shape[1] != provider.dim:
        raise EmbeddingDimensionError(
            f"{provider.name} returned {matrix.shape[1]}-dimensional vectors, expected {provider.dim}")
    return matrix


def provider_kind(settings: Settings) -> str:
    """The provider ``get_provider`` would build: the setting, or auto-detection."""
    if settings.embedding_provider != "auto":
        return settings.embedding_provider
    return "openai" if settings.openai_api_key else "offline"


def get_provider(settings: Settings | None = None, dim: int | None = None) -> Provider:
    """The configured provider, producing vectors of ``dim`` (default ``settings.embedding_dim``).

    Pass the database's dimension (``SELECT rec.embedding_dim()``) when embedding for a
    database, so a provider that can adapt (offline, OpenAI ``dimensions``) does.
    """
    settings = settings or get_settings()
    dim = dim or settings.embedding_dim
    kind = provider_kind(settings)
    if kind == "offline":
        from app.embeddings.offline import OfflineProvider

        return OfflineProvider(dim)
    if kind == "openai":
        from app.embeddings.openai_provider import OpenAIProvider

        return OpenAIProvider(
            dim=dim,
            model=settings.embedding_model or OpenAIProvider.DEFAULT_MODEL,
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            batch_size=settings.embedding_batch_size,
            max_retries=settings.embedding_max_retries,
            timeout=settings.embedding_timeout,
        )
    if kind == "sentence-transformers":
        from app.embeddings.local import SentenceTransformerProvider

        return SentenceTransformerProvider(dim=dim, model=settings.embedding_model or SentenceTransformerProvider.DEFAULT_MODEL,
                                           batch_size=settings.embedding_batch_size)
    raise EmbeddingError(f"unknown embedding provider {kind!r}")
