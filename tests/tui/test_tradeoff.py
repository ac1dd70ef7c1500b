"""The trade-off plot puts each candidate at the accuracy it was ranked on."""

from advisor.decision.explain import decided_there
from advisor.tui.tradeoff import TradeOffPlot


def test_where_the_choice_was_made_at_224_px_the_plot_shows_the_figures_measured_there():
    """The shipped Jetson answer was chosen on its 224-px runs: the star and the marked
    candidates sit at those, the others at the trials'; before, the star sat below candidates
    it beat at 224 px."""
    from advisor import decide, evidence_for

    result = decide(evidence_for("mobilenetv3", "unseen"), "jetson-nano")
    chosen = result.recommendation
    assert decided_there(chosen)
    plot = TradeOffPlot()
    series: dict[str, list[float]] = {}
    scatter = plot.plt.scatter

    def recorded(xs, ys, **kw):
        series[kw["label"]] = ys
        return scatter(xs, ys, **kw)

    plot.plt.scatter = recorded
    plot.show(result, 2**30, None)
    assert series["recommended"] == [100 * chosen.confirmed.accuracy]
    there = [o for o in result.ranked if decided_there(o)]
    assert sorted(series["measured at 224 px"]) == sorted(
        100 * o.confirmed.accuracy for o in there)
    others = [o for o in result.ranked if not decided_there(o) and o.feasible]
    assert set(series["fits"]) >= {100 * o.predicted_accuracy for o in others}
    assert chosen.confirmed.accuracy != chosen.predicted_accuracy  # the two figures differ
