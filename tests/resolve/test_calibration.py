"""The logistic calibration: fitting and the shipped coefficients."""

import pytest

from bioatlas.resolve.calibration import FEATURES, fit, load_calibration


def test_fit_learns_the_direction_of_each_feature():
    rows = [[a / 10, b / 10] for a in range(11) for b in range(11)]
    labels = [1 if a > b or (a == b and i % 2) else 0 for i, (a, b) in enumerate(rows)]
    cal = fit(rows, labels)
    assert cal.coef[0] > 0 > cal.coef[1]
    assert cal.probability([0.9, 0.1]) > 0.8 > 0.2 > cal.probability([0.1, 0.9])


def test_fit_refuses_one_class():
    with pytest.raises(ValueError, match="positive and negative"):
        fit([[1.0], [2.0]], [1, 1])


def test_shipped_calibration_matches_the_features_and_says_how_it_was_fitted():
    cal = load_calibration()
    assert len(cal.coef) == len(FEATURES)
    assert "train" in cal.fitted["on"] and "test" not in cal.fitted["on"]
    assert 0 < cal.threshold <= cal.extra_threshold <= 1
    base = [0.0] * len(FEATURES)
    strong = list(base)
    strong[FEATURES.index("coverage")] = strong[FEATURES.index("ratio")] = 1.0
    assert cal.probability(strong) > cal.probability(base)
