"""Calibrated score: a logistic regression over the candidate features, fitted by Newton's method
(iteratively reweighted least squares, light L2 penalty) with numpy; scoring a candidate stays a
plain dot product. The fitted coefficients, thresholds and how they
were obtained live in `data/calibration.json`, written by `bench/resolve.py --fit`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CALIBRATION_FILE = Path(__file__).with_name("data") / "calibration.json"
FEATURES = (
    "coverage", "ratio", "exact", "contained", "acronym", "acronym_upper", "unit_segment", "specificity",
    "ambiguity", "country_match", "country_mismatch", "city", "parent_named", "child_named", "margin", "rank1",
    "exact_top", "position", "same_words", "inactive", "sub_unit_name", "via_child", "rightmost",
    "others_named", "cov_x_ratio", "margin_x_rank1", "contained_x_rightmost", "acronym_x_ambiguity", "rank1_x_others",
    "unit_x_position",
)


@dataclass
class Calibration:
    coef: list[float]
    intercept: float
    threshold: float = 0.5  # chosen when the probability reaches it
    extra_threshold: float = 0.9  # a further organisation named elsewhere in the mention
    fitted: dict = field(default_factory=dict)

    def probability(self, x: list[float]) -> float:
        z = self.intercept + sum(c * v for c, v in zip(self.coef, x))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "features": list(FEATURES), "coef": [round(c, 6) for c in self.coef], "intercept": round(self.intercept, 6),
            "threshold": self.threshold, "extra_threshold": self.extra_threshold, "fitted": self.fitted,
        }
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if list(data["features"]) != list(FEATURES):
        raise ValueError(f"{path}: fitted on other features ({data['features']}); refit with bench/resolve.py --fit")
    return Calibration(
        coef=[float(c) for c in data["coef"]], intercept=float(data["intercept"]),
        threshold=float(data["threshold"]), extra_threshold=float(data["extra_threshold"]), fitted=data.get("fitted", {}),
    )


def fit(rows: list[list[float]], labels: list[int], *, l2: float = 1.0, iterations: int = 50) -> Calibration:
    """Logistic regression by Newton-Raphson (numpy); the intercept is not penalised."""
    if not rows or len(set(labels)) < 2:
        raise ValueError("fitting needs positive and negative examples")
    x = np.hstack([np.ones((len(rows), 1)), np.asarray(rows, dtype=float)])
    y = np.asarray(labels, dtype=float)
    d = x.shape[1]
    penalty = np.full(d, l2)
    penalty[0] = 0.0
    w = np.zeros(d)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30.0, 30.0)))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    return Calibration(coef=[float(v) for v in w[1:]], intercept=float(w[0]))
