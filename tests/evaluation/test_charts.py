"""The server-drawn charts: the numbers they draw, their text, their accessibility."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.evaluation import charts
from app.evaluation.charts import Distribution, distribution_of, distribution_svg

NS = {"svg": "http://www.w3.org/2000/svg"}
LABELS = ["1 – Very poor", "2 – Poor", "3 – Fair", "4 – Good", "5 – Excellent"]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bars(root: ET.Element) -> list[float]:
    return [float(rect.get("width")) for rect in root.iterfind("svg:rect", NS)]


def texts(root: ET.Element) -> list[str]:
    return [text.text or "" for text in root.iterfind("svg:text", NS)]


def draw(distribution: Distribution, labels=LABELS, **kwargs) -> ET.Element:
    svg = distribution_svg(
        distribution, labels, title=kwargs.pop("title", "Overall"), key="q1", **kwargs
    )
    return parse(svg)


# --- Counting ------------------------------------------------------------------------------------


def test_ratings_are_counted_per_point_and_unanswered_apart():
    found = distribution_of([5, 4, 4, None, 1, 5, 5, None])
    assert found == Distribution((1, 0, 0, 2, 3), 2)
    assert found.answered == 6
    assert found.total == 8
    assert found.mean == pytest.approx((1 + 4 + 4 + 5 + 5 + 5) / 6)


def test_nothing_counted_has_no_mean():
    assert distribution_of([]) == Distribution((0, 0, 0, 0, 0), 0)
    assert distribution_of([None, None]).mean is None


def test_a_shorter_scale_counts_on_its_own_points():
    assert distribution_of([1, 3, 3], points=3) == Distribution((1, 0, 2), 0)


@pytest.mark.parametrize("value", [0, 6, -1])
def test_a_rating_off_the_scale_is_refused(value):
    with pytest.raises(ValueError, match="off the 1–5 scale"):
        distribution_of([3, value])


def test_the_scale_ends_are_on_it():
    assert distribution_of([1, 5]).counts == (1, 0, 0, 0, 1)


# --- Rows (chart and table) ----------------------------------------------------------------------


def test_rows_give_each_point_its_share_of_all_responses_then_no_answer(app):
    rows = charts.chart_rows(Distribution((0, 1, 2, 3, 2), 2), LABELS)
    assert [(r.label, r.count, r.share, r.is_no_answer) for r in rows] == [
        ("1 – Very poor", 0, 0.0, False),
        ("2 – Poor", 1, 0.1, False),
        ("3 – Fair", 2, 0.2, False),
        ("4 – Good", 3, 0.3, False),
        ("5 – Excellent", 2, 0.2, False),
        ("No answer", 2, 0.2, True),
    ]


def test_rows_of_no_response_have_no_share(app):
    rows = charts.chart_rows(Distribution((0, 0, 0, 0, 0), 0), LABELS)
    assert [r.share for r in rows] == [0.0] * 6


def test_rows_need_one_label_per_point(app):
    with pytest.raises(ValueError, match="one label per point"):
        charts.chart_rows(Distribution((1, 2, 3, 4, 5)), LABELS[:4])


# --- The drawing ---------------------------------------------------------------------------------


def test_bars_are_as_long_as_their_share_of_the_responses(app):
    root = draw(Distribution((0, 1, 2, 3, 2), 2))
    assert bars(root) == [0.0, 17.0, 34.0, 51.0, 34.0, 34.0]
    # Each count and share follows its bar, four units after its end.
    numbers = [t for t in root.iterfind("svg:text", NS) if "(" in (t.text or "")]
    assert [(t.text, float(t.get("x"))) for t in numbers] == [
        ("0 (0 %)", 128.0),
        ("1 (10 %)", 145.0),
        ("2 (20 %)", 162.0),
        ("3 (30 %)", 179.0),
        ("2 (20 %)", 162.0),
        ("2 (20 %)", 162.0),
    ]


def test_one_answer_fills_its_bar(app):
    root = draw(Distribution((0, 0, 0, 1, 0), 0))
    assert bars(root) == [0.0, 0.0, 0.0, 170.0, 0.0, 0.0]
    assert "1 (100 %)" in texts(root)


def test_no_response_at_all_draws_empty_bars_and_says_so(app):
    root = draw(Distribution((0, 0, 0, 0, 0), 0))
    assert bars(root) == [0.0] * 6
    assert "No answers" in texts(root)
    assert root.find("svg:path", NS) is None  # no mean marker
    assert root.find("svg:desc", NS).text.endswith("No answers yet.")


def test_rows_are_stacked_and_the_drawing_is_as_tall_as_they_and_the_axis(app):
    root = draw(Distribution((1, 1, 1, 1, 1), 1))
    assert root.get("viewBox") == "0 0 360 178"  # six rows of 24, the axis strip of 34
    assert [float(rect.get("y")) for rect in root.iterfind("svg:rect", NS)] == [
        4.0,
        28.0,
        52.0,
        76.0,
        100.0,
        124.0,
    ]
    assert {rect.get("height") for rect in root.iterfind("svg:rect", NS)} == {"16"}
    labels = [t for t in root.iterfind("svg:text", NS) if t.get("text-anchor") == "end"]
    assert [float(t.get("y")) for t in labels[:6]] == [12.0, 36.0, 60.0, 84.0, 108.0, 132.0]
    assert {t.get("x") for t in labels[:6]} == {"118"}


def test_no_answer_is_drawn_apart(app):
    root = draw(Distribution((1, 0, 0, 0, 0), 3))
    rects = list(root.iterfind("svg:rect", NS))
    assert [r.get("class") for r in rects] == ["chart-bar"] * 5 + ["chart-bar chart-bar-none"]
    assert rects[0].get("fill") == "#1d4e89"
    assert rects[-1].get("fill") == "#52606d"
    assert {r.get("x") for r in rects} == {"124"}


def test_the_mean_is_marked_on_the_axis_and_written(app):
    root = draw(Distribution((0, 0, 1, 1, 2), 0))  # mean 4.25
    marker = root.find("svg:path", NS)
    assert marker.get("d") == "M262.1 146 l6 12 h-12 z"  # 124 + 3.25 / 4 × 170; axis at 152
    assert "Mean 4.2" in texts(root)
    axis = root.find("svg:line", NS)
    assert (axis.get("x1"), axis.get("x2"), axis.get("y1")) == ("124", "294", "152")
    assert [t.text for t in root.iterfind("svg:text", NS) if t.get("font-size") == "11"] == [
        "1",
        "5",
    ]


@pytest.mark.parametrize(("mean", "x"), [(1, 124.0), (5, 294.0), (3, 209.0), (2.5, 187.8)])
def test_the_axis_runs_from_one_to_five(mean, x):
    assert charts.mean_x(mean) == x


def test_a_three_point_scale_ends_its_axis_at_three():
    assert charts.mean_x(3, points=3) == 294.0
    assert charts.mean_x(2, points=3) == 209.0


def test_the_mean_is_formatted_by_the_callers_number_format(app):
    root = draw(Distribution((0, 0, 1, 1, 2), 0), number=lambda v: f"{v:.2f}".replace(".", ","))
    assert "Mean 4,25" in texts(root)
    assert "Mean 4,25 of 5, from 4 answers." in root.find("svg:desc", NS).text


def test_long_labels_are_cut_in_the_drawing_only(app):
    long = "Relevance of the course to my present job and duties"
    root = draw(Distribution((1, 0, 0, 0, 0)), labels=[long, "2", "3", "4", "5"])
    assert texts(root)[0] == "Relevance of the c…"
    assert long in root.find("svg:desc", NS).text


@pytest.mark.parametrize(
    ("label", "cut"),
    [
        ("Short", "Short"),
        ("x" * 19, "x" * 19),
        ("x" * 20, "x" * 18 + "…"),
        ("Organisation and   logistics", "Organisation and…"),
    ],
)
def test_cut_keeps_labels_to_the_limit(label, cut):
    assert charts.cut(label) == cut
    assert len(charts.cut(label)) <= 19


def test_text_is_escaped_everywhere(app):
    evil = '<script>alert("x")</script> & co'
    svg = distribution_svg(
        Distribution((1, 0, 0, 0, 0)), [evil, "2", "3", "4", "5"], title=evil, key='"><b>'
    )
    assert "<script>" not in svg
    assert "<b>" not in svg
    root = parse(svg)  # still well-formed
    assert root.find("svg:title", NS).text == evil
    assert root.get("aria-labelledby") == "chart-b-title chart-b-desc"


def test_the_drawing_is_an_image_with_its_numbers_for_screen_readers(app):
    root = draw(Distribution((0, 1, 2, 3, 2), 2), title="Overall satisfaction")
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("focusable") == "false"
    assert root.get("aria-labelledby") == "chart-q1-title chart-q1-desc"
    assert root.find("svg:title", NS).get("id") == "chart-q1-title"
    assert root.find("svg:title", NS).text == "Overall satisfaction"
    desc = root.find("svg:desc", NS)
    assert desc.get("id") == "chart-q1-desc"
    assert desc.text == (
        "1 – Very poor: 0 (0 %); 2 – Poor: 1 (10 %); 3 – Fair: 2 (20 %); 4 – Good: 3 (30 %); "
        "5 – Excellent: 2 (20 %); No answer: 2 (20 %). Mean 3.8 of 5, from 8 answers."
    )


def test_no_inline_style_in_the_drawing(app):
    svg = draw_svg = distribution_svg(Distribution((1, 2, 3, 4, 5), 1), LABELS, title="t", key="k")
    assert "style" not in draw_svg
    assert "<script" not in svg


@pytest.mark.parametrize(
    ("key", "found"), [("Q 1/é", "chart-q-1"), ("", "chart-x"), ("--", "chart-x")]
)
def test_ids_are_made_safe(key, found):
    assert charts._chart_id(key) == found


def test_percent_rounds_to_whole_numbers():
    assert charts.percent(1 / 3) == "33 %"
    assert charts.percent(2 / 3) == "67 %"
    assert charts.percent(0) == "0 %"


# --- Small multiples -----------------------------------------------------------------------------


def test_small_multiples_draw_each_edition_on_one_scale(app):
    panels = [
        ("2017", Distribution((0, 0, 2, 4, 4), 0)),  # ten responses
        ("2018", Distribution((0, 1, 1, 1, 1), 1)),  # five
    ]
    drawn = charts.small_multiples(panels, question="Overall satisfaction", key="overall")
    assert len(drawn) == 2
    first, second = (parse(svg) for svg in drawn)
    # Shares, not counts: 4 of 10 and 1 of 5 are bars of 40 % and 20 %.
    assert bars(first) == [0.0, 0.0, 34.0, 68.0, 68.0, 0.0]
    assert bars(second) == [0.0, 34.0, 34.0, 34.0, 34.0, 34.0]
    assert first.find("svg:title", NS).text == "Overall satisfaction — 2017"
    assert second.find("svg:title", NS).text == "Overall satisfaction — 2018"
    assert texts(first)[0] == "1"
    assert first.get("aria-labelledby") == "chart-overall-0-title chart-overall-0-desc"
    assert second.get("aria-labelledby") == "chart-overall-1-title chart-overall-1-desc"


def test_small_multiples_of_no_edition_are_none(app):
    assert charts.small_multiples([], question="q", key="k") == []


def test_the_axis_ends_and_the_mean_are_written_under_the_bars(app):
    root = draw(Distribution((0, 0, 1, 1, 2), 0))
    small = [t for t in root.iterfind("svg:text", NS) if t.get("font-size") == "11"]
    assert [(t.get("x"), t.get("y")) for t in small] == [("124", "172"), ("294", "172")]
    mean = next(t for t in root.iterfind("svg:text", NS) if t.get("font-weight") == "bold")
    assert (mean.get("x"), mean.get("y")) == ("118", "156")
    # Nothing but elements: no stray text between them.
    assert (root.text or "") == ""
    assert all((element.tail or "") == "" for element in root)


def test_no_answers_is_written_where_the_mean_would_be(app):
    root = draw(Distribution((0, 0, 0, 0, 0), 2))
    label = next(t for t in root.iterfind("svg:text", NS) if t.text == "No answers")
    assert (label.get("x"), label.get("y")) == ("118", "156")
    assert all((element.tail or "") == "" for element in root)


def test_a_three_point_scale_puts_its_mean_on_its_own_axis(app):
    root = draw(Distribution((0, 1, 0), 0), labels=["Low", "Middle", "High"])
    assert root.find("svg:path", NS).get("d").startswith("M209.0 ")
    assert [t.text for t in root.iterfind("svg:text", NS) if t.get("font-size") == "11"] == [
        "1",
        "3",
    ]


def test_bar_lengths_keep_one_decimal():
    assert charts.bar_length(1 / 3) == 56.7
    assert charts.bar_length(2 / 3) == 113.3


def test_small_multiples_format_the_mean_as_asked(app):
    [svg] = charts.small_multiples(
        [("2017", Distribution((0, 0, 1, 1, 2), 0))], question="q", key="k", number=lambda v: "x"
    )
    assert "Mean x" in svg


@pytest.mark.parametrize(("key", "found"), [("-a-", "chart-a"), ("X", "chart-x")])
def test_ids_lose_their_outer_dashes(key, found):
    assert charts._chart_id(key) == found
