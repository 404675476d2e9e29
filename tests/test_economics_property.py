"""Properties of the economics figures over generated sections: monotone in volume and in the
cost of an error, and the low end never above the high end."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.economics import STRATEGY_IDS, Economics, Evidence, assess_economics

money = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
rate = st.floats(min_value=0, max_value=1, allow_nan=False, allow_infinity=False)


def amount(values):
    """A number or a [low, high] range of them."""
    return st.one_of(values, st.tuples(values, values).map(lambda pair: sorted(pair)))


figures = st.fixed_dictionaries({}, optional={"build": amount(money), "monthly": amount(money),
                                              "per_request": amount(st.floats(0, 10)), "success_rate": amount(rate)})
sections = st.fixed_dictionaries(
    {"strategies": st.dictionaries(st.sampled_from(STRATEGY_IDS), figures, min_size=1)},
    optional={"cost_per_error": amount(money), "horizon_months": st.integers(1, 120)},
)
volumes = st.integers(0, 10 ** 9)


def totals(section, volume, **evidence):
    result = assess_economics(Economics.model_validate(section), Evidence(monthly_volume=volume, **evidence))
    return {row["id"]: row for row in result["strategies"]}, result


@settings(max_examples=200, deadline=None)
@given(sections, volumes, st.one_of(st.none(), rate))
def test_low_end_never_above_high_end(section, volume, accuracy):
    rows, result = totals(section, volume, measured_accuracy=accuracy, current_approach="pretrained")
    for row in rows.values():
        pairs = [row["total"], row["per_successful_outcome"], *row["components"].values()]
        for pair in pairs:
            if pair["low"] is not None and pair["high"] is not None:
                assert pair["low"] <= pair["high"]
    for pair in result["break_even"]:
        for end in ("low", "high"):
            crossing = pair[end]["monthly_volume"]
            assert crossing is None or crossing > 0


@settings(max_examples=200, deadline=None)
@given(sections, volumes, volumes)
def test_totals_grow_with_volume(section, first, second):
    fewer, more = sorted((first, second))
    rows_fewer, _ = totals(section, fewer)
    rows_more, _ = totals(section, more)
    for sid, row in rows_fewer.items():
        for end in ("low", "high"):
            before, after = row["total"][end], rows_more[sid]["total"][end]
            if before is not None and after is not None:
                assert after >= before


@settings(max_examples=200, deadline=None)
@given(sections, volumes, money, money)
def test_totals_grow_with_the_cost_of_an_error(section, volume, first, second):
    cheap, dear = sorted((first, second))
    rows_cheap, _ = totals(dict(section, cost_per_error=cheap), volume)
    rows_dear, _ = totals(dict(section, cost_per_error=dear), volume)
    for sid, row in rows_cheap.items():
        for end in ("low", "high"):
            before, after = row["total"][end], rows_dear[sid]["total"][end]
            if before is not None and after is not None:
                assert after >= before


@settings(max_examples=100, deadline=None)
@given(sections, volumes)
def test_a_number_is_both_ends_of_its_range(section, volume):
    """Writing x as [x, x] changes nothing."""
    def widen(value):
        return [value, value] if isinstance(value, (int, float)) else value

    widened = dict(section, strategies={sid: {k: widen(v) for k, v in f.items()}
                                        for sid, f in section["strategies"].items()})
    if "cost_per_error" in section:
        widened["cost_per_error"] = widen(section["cost_per_error"])
    plain, _ = totals(section, volume)
    wide, _ = totals(widened, volume)
    for sid in plain:
        assert plain[sid]["total"] == wide[sid]["total"]
        assert plain[sid]["per_successful_outcome"] == wide[sid]["per_successful_outcome"]
