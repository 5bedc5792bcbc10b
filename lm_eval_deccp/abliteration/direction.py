"""Difference-of-means directions in the residual stream, and how well each layer's direction separates prompts it
was not computed from.

direction[layer] = mean(state of target prompts) - mean(state of contrast prompts), at the last prompt token, on
the train prompts; its held-out quality is the AUC of the projection onto the unit direction (target against
contrast) and, for matched pairs, the share of held-out pairs whose China question projects further than its
control. The chosen layer is the one with the best held-out AUC, ties within AUC_TIE broken by the larger
standardized gap (mean gap / pooled standard deviation), so a layer that separates with a wide margin wins over
one that only just orders every pair."""

from __future__ import annotations

from dataclasses import dataclass, field

AUC_TIE = 0.005


@dataclass
class LayerSeparation:
    layer: int
    auc: float
    gap_sd: float  # held-out (mean target projection - mean contrast projection) / pooled standard deviation
    paired_accuracy: float | None  # share of held-out pairs ordered correctly; None for unpaired prompts
    norm: float  # length of the raw difference of means (train)


@dataclass
class DirectionResult:
    """Unit directions per residual-stream index (0 = embeddings), their held-out separation, and the choice."""

    directions: "object"  # torch tensor (n_layers + 1, d), unit rows
    separation: list[LayerSeparation]
    layer: int
    candidates: list[int] = field(default_factory=list)


def mean_difference(target_states, contrast_states):
    """Unit difference of means per layer, and the raw lengths: ((L, d) tensor, (L,) tensor)."""
    raw = target_states.mean(dim=1) - contrast_states.mean(dim=1)
    norms = raw.norm(dim=-1)
    return raw / norms.clamp_min(1e-12).unsqueeze(-1), norms


def _auc(positive, negative) -> float:
    from sklearn.metrics import roc_auc_score

    labels = [1] * len(positive) + [0] * len(negative)
    return float(roc_auc_score(labels, list(positive) + list(negative)))


def separation_per_layer(directions, norms, held_target, held_contrast, paired: bool) -> list[LayerSeparation]:
    """How well each layer's direction separates the held-out prompts (states as (L, n, d) tensors)."""
    rows = []
    for layer in range(directions.shape[0]):
        pos = (held_target[layer] @ directions[layer]).tolist()
        neg = (held_contrast[layer] @ directions[layer]).tolist()
        mean_pos, mean_neg = sum(pos) / len(pos), sum(neg) / len(neg)
        var = (sum((x - mean_pos) ** 2 for x in pos) + sum((x - mean_neg) ** 2 for x in neg)) / max(
            len(pos) + len(neg) - 2, 1)
        accuracy = sum(p > n for p, n in zip(pos, neg)) / len(pos) if paired else None
        rows.append(LayerSeparation(layer, round(_auc(pos, neg), 4), round((mean_pos - mean_neg) / max(var, 1e-12)
                                    ** 0.5, 3), None if accuracy is None else round(accuracy, 4),
                                    round(float(norms[layer]), 4)))
    return rows


def candidate_layers(n_states: int) -> list[int]:
    """Residual indices a direction may be chosen at: not the embeddings (index 0: a lexical difference, not a
    decision) and not the last one, which transformers returns after the final norm."""
    return list(range(1, n_states - 1))


def choose_layer(separation: list[LayerSeparation], candidates: list[int]) -> int:
    pool = [separation[i] for i in candidates]
    best = max(row.auc for row in pool)
    return max((row for row in pool if row.auc >= best - AUC_TIE), key=lambda row: row.gap_sd).layer


def find_direction(train_target, train_contrast, held_target, held_contrast, paired: bool) -> DirectionResult:
    """The direction per layer from train states, and the layer chosen by held-out separation."""
    directions, norms = mean_difference(train_target, train_contrast)
    separation = separation_per_layer(directions, norms, held_target, held_contrast, paired)
    candidates = candidate_layers(directions.shape[0])
    return DirectionResult(directions, separation, choose_layer(separation, candidates), candidates)


def cosine_per_layer(first, second) -> list[float]:
    """Cosine between two sets of unit directions, layer by layer."""
    return [round(float(x), 4) for x in (first * second).sum(dim=-1)]
