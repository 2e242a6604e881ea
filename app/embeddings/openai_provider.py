"""Embeddings through the ``openai`` client: api.openai.com or any compatible server.

The same code talks to OpenAI, Azure-style gateways, Ollama (``http://localhost:11434/v1``),
vLLM and text-embeddings-inference: set ``PGREC_OPENAI_BASE_URL`` (and a key if the server
wants one). Requests are batched (``PGREC_EMBEDDING_BATCH_SIZE`` texts each); rate limits
(429), timeouts and server errors (5xx) are retried by the client with exponential back-off
that honours ``Retry-After`` (``PGREC_EMBEDDING_MAX_RETRIES``). What still fails is raised as an
:class:`~app.embeddings.EmbeddingError` that says what to fix.
"""

from __future__ import annotations

import numpy as np

from app.embeddings import EmbeddingAuthError, EmbeddingDimensionError, EmbeddingError

__all__ = ["OpenAIProvider"]

# text-embedding-3 models take at most 8191 tokens per input; ~4 characters per token in
# English, so this cut keeps every input acceptable while losing only the tail of very long
# descriptions (which says little the beginning did not).
MAX_INPUT_CHARS = 24_000


class OpenAIProvider:
    """Embeddings from an OpenAI-compatible ``/embeddings`` endpoint."""

    name = "openai"
    DEFAULT_MODEL = "text-embedding-3-small"

    def __init__(self, dim: int, model: str = DEFAULT_MODEL, api_key: str | None = None, base_url: str | None = None,
                 batch_size: int = 128, max_retries: int = 5, timeout: float = 60.0) -> None:
        import openai

        if not api_key and not base_url:
            raise EmbeddingAuthError(
                "no API key for the OpenAI embeddings provider: set PGREC_OPENAI_API_KEY (or OPENAI_API_KEY), "
                "point PGREC_OPENAI_BASE_URL at a compatible server, or use PGREC_EMBEDDING_PROVIDER=offline")
        self.dim = dim
        self.model = model
        self.batch_size = max(1, batch_size)
        # Only text-embedding-3 models accept "dimensions" (they shorten their vectors to it);
        # other models and most compatible servers reject or ignore it, so for them the
        # returned length is checked instead.
        self.send_dimensions = model.startswith("text-embedding-3")
        self._openai = openai
        self.client = openai.OpenAI(
            # Local servers (Ollama, TEI) need no key, but the client insists on one.
            api_key=api_key or "not-needed",
            base_url=base_url,
            max_retries=max_retries,
            timeout=timeout,
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, requested ``batch_size`` texts at a time."""
        return self.embed_array(texts).tolist()

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """``embed`` as a float32 matrix (n, dim)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start:start + self.batch_size]
            out[start:start + len(batch)] = self._request(batch)
        return out

    def _request(self, batch: list[str]) -> np.ndarray:
        openai = self._openai
        # The API rejects empty strings; a single space embeds as "nothing in particular".
        inputs = [text[:MAX_INPUT_CHARS] if text.strip() else " " for text in batch]
        extra = {"dimensions": self.dim} if self.send_dimensions else {}
        try:
            response = self.client.embeddings.create(model=self.model, input=inputs, encoding_format="float", **extra)
        except openai.AuthenticationError as exc:
            raise EmbeddingAuthError(
                f"the embeddings API rejected the key (HTTP {exc.status_code}): check PGREC_OPENAI_API_KEY") from exc
        except openai.PermissionDeniedError as exc:
            raise EmbeddingAuthError(
                f"the key may not use model {self.model!r} (HTTP {exc.status_code}): check the key's project and model access"
            ) from exc
        except openai.RateLimitError as exc:
            raise EmbeddingError(
                f"still rate limited after {self.client.max_retries} retries (HTTP 429): lower "
                "PGREC_EMBEDDING_BATCH_SIZE, raise the account's limits, or let the scheduler retry later") from exc
        except openai.APIStatusError as exc:
            retried = f" after {self.client.max_retries} retries" if exc.status_code >= 500 else ""
            raise EmbeddingError(
                f"the embeddings API answered HTTP {exc.status_code}{retried} for model {self.model!r}: {exc.message}"
            ) from exc
        except openai.APIConnectionError as exc:  # includes timeouts
            raise EmbeddingError(
                f"cannot reach the embeddings API at {self.client.base_url} after {self.client.max_retries} retries: {exc}"
            ) from exc

        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(inputs):
            raise EmbeddingError(f"the embeddings API returned {len(data)} vectors for {len(inputs)} inputs")
        lengths = {len(d.embedding) for d in data}
        if lengths != {self.dim}:
            got = ", ".join(str(n) for n in sorted(lengths))
            raise EmbeddingDimensionError(
                f"model {self.model!r} returned {got}-dimensional vectors but this database stores {self.dim}: "
                "choose a model with that dimension (text-embedding-3 models take any), or install pgrec with "
                f"PGREC_EMBEDDING_DIM={got} into a new database")
        return np.asarray([d.embedding for d in data], dtype=np.float32)
