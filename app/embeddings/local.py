"""A local sentence-transformers model, for when text should never leave the machine and the
offline provider's bag of words is not enough. Optional: ``pip install 'pgrec[local]'``.

The model is loaded once per process (it downloads on first use unless it is already in the
Hugging Face cache or ``PGREC_EMBEDDING_MODEL`` is a local path). Vectors are L2-normalised.
"""

from __future__ import annotations

import numpy as np

from app.embeddings import EmbeddingDimensionError, EmbeddingError

__all__ = ["SentenceTransformerProvider"]


class SentenceTransformerProvider:
    """Embeddings from a sentence-transformers model running in this process."""

    name = "sentence-transformers"
    DEFAULT_MODEL = "all-MiniLM-L6-v2"  # 384 dimensions, like pgrec's default

    def __init__(self, dim: int, model: str = DEFAULT_MODEL, batch_size: int = 128) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingError(
                "PGREC_EMBEDDING_PROVIDER=sentence-transformers needs the optional extra: "
                "pip install 'pgrec[local]' (or use the offline or openai provider)") from exc
        try:
            self.model = SentenceTransformer(model)
        except Exception as exc:  # network, missing files, bad name: the library raises many kinds
            raise EmbeddingError(f"cannot load sentence-transformers model {model!r}: {exc}") from exc
        model_dim = self.model.get_sentence_embedding_dimension()
        if model_dim != dim:
            raise EmbeddingDimensionError(
                f"model {model!r} produces {model_dim}-dimensional vectors but this database stores {dim}: "
                f"pick a {dim}-dimensional model or install pgrec with PGREC_EMBEDDING_DIM={model_dim}")
        self.dim = dim
        self.model_name = model
        self.batch_size = batch_size

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts`` as a float32 matrix (n, dim)."""
        vectors = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One unit vector per text."""
        return self.embed_array(texts).tolist()
