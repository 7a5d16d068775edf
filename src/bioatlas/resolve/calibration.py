"""Calibrated score: a logistic regression over the candidate features, fitted by Newton's method
(iteratively reweighted least squares, light L2 penalty) in plain Python — a dozen features and a
few thousand rows need no numerical library. The fitted coefficients, thresholds and how they
were obtained live in `data/calibration.json`, written by `bench/resolve.py --fit`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

CALIBRATION_FILE = Path(__file__).with_name("data") / "calibration.json"
FEATURES = (
    "coverage", "ratio", "exact", "contained", "acronym", "acronym_upper", "unit_segment", "specificity",
    "ambiguity", "country_match", "country_mismatch", "city", "parent_named", "child_named", "margin", "rank1",
    "exact_top", "position",
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


def fit(rows: list[list[float]], labels: list[int], *, l2: float = 1.0, iterations: int = 25) -> Calibration:
    """Logistic regression by Newton-Raphson; the intercept is not penalised."""
    if not rows or len(set(labels)) < 2:
        raise ValueError("fitting needs positive and negative examples")
    d = len(rows[0]) + 1
    w = [0.0] * d
    xs = [[1.0, *r] for r in rows]
    for _ in range(iterations):
        grad = [0.0] * d
        hess = [[0.0] * d for _ in range(d)]
        for x, y in zip(xs, labels):
            z = sum(wi * xi for wi, xi in zip(w, x))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g, s = p - y, p * (1 - p)
            for i in range(d):
                grad[i] += g * x[i]
                if s:
                    si = s * x[i]
                    row = hess[i]
                    for j in range(i, d):
                        row[j] += si * x[j]
        for i in range(d):
            for j in range(i):
                hess[i][j] = hess[j][i]
            if i:
                grad[i] += l2 * w[i]
                hess[i][i] += l2
            hess[i][i] += 1e-9
        step = _solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step)]
        if max(abs(s) for s in step) < 1e-7:
            break
    return Calibration(coef=w[1:], intercept=w[0])


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (a is small and positive definite)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        if abs(m[c][c]) < 1e-15:
            continue
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            if f:
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        if abs(m[r][r]) < 1e-15:
            continue
        x[r] = (m[r][n] - sum(m[r][k] * x[k] for k in range(r + 1, n))) / m[r][r]
    return x
