"""Every setting has a range, and the indicators hold up at both ends of each."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import analysis, geo
from dashboard.ingest import Upload, load_community
from dashboard.settings import LIMITS, Settings

ROOT = Path(__file__).resolve().parents[1]
AS_OF = pd.Timestamp("2026-11-14")


@pytest.fixture(scope="module")
def demo():
    files = [ROOT / "data" / f"demo_{kind}.csv" for kind in ("members", "events", "attendance")]
    return geo.geocode_community(load_community(*[Upload(f.name, f.read_bytes()) for f in files]))


def test_every_number_setting_has_a_range_around_its_default():
    for name in Settings.field_names():
        default = getattr(Settings(), name)
        if isinstance(default, bool):
            continue
        low, high = LIMITS[name]
        assert low <= default <= high, name


@pytest.mark.parametrize("name", [n for n in Settings.field_names() if n in LIMITS])
def test_the_indicators_hold_up_at_both_ends_of_a_settings_range(demo, name):
    for value in LIMITS[name]:
        value = type(getattr(Settings(), name))(value)
        result = analysis.analyse(demo, AS_OF, dataclasses.replace(Settings(), **{name: value}))
        scores = result.risk["risk_score"].to_numpy()
        assert len(result.members) == len(demo.members)
        assert np.isfinite(scores).all() and ((scores >= 0) & (scores <= 100)).all(), (name, value)


def test_every_setting_declares_a_label_and_help_and_numbers_a_range() -> None:
    from dataclasses import fields

    from dashboard.settings import setting_help, setting_label

    names = Settings.field_names()
    labels = [setting_label(n) for n in names]
    assert len(set(labels)) == len(names) and all(labels)
    assert all(setting_help(n) for n in names)
    numeric = [f.name for f in fields(Settings) if f.type in ("int", "float")]
    assert sorted(LIMITS) == sorted(numeric)


def test_each_risk_signal_has_one_weight_in_the_same_order() -> None:
    from dataclasses import fields

    from dashboard.risk import RISK_SIGNALS
    from dashboard.settings import RiskWeights

    assert [f.name for f in fields(RiskWeights)] == [s.name for s in RISK_SIGNALS]
    assert [s.points(Settings()) for s in RISK_SIGNALS] == [45, 25, 35, 30, 35, 25, 15, 15]
