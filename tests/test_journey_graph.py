"""Journey in a real browser: a graph picked, looked at, embedded with DeepWalk, explored with its edges, evaluated.

A student opens the Graphs page, picks Zachary's karate club and sees its
statistics and its force-directed picture; trains DeepWalk with few walks and
epochs; sees the model named in the sidebar and projected on Explore with the
graph's edges drawn under the points; then runs node classification on
``club`` and sees DeepWalk beat the most-frequent-label baseline. Every step
asserts what the page shows. Under a minute on an idle machine (two jobs of a
few seconds each; most of the time is the workers' imports). On a failure,
screenshots of each step go to ``test-artifacts/journey-graph/``.
"""

from __future__ import annotations

import re

import pytest

from journey import JOB_MS, click_button, goto_page, journey, set_number, wait_idle, wait_sidebar_names, wait_text
from streamlit_server import CHROMIUM, chromium_available

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not chromium_available(), reason=f"needs playwright and {CHROMIUM}")]

server, page, steps = journey("journey-graph")


MODEL = "deepwalk on Zachary's karate club"

#: The traces of the first plotly figure on the page: [[name, mode, number of points], ...].
TRACES_JS = """() => {
    const plot = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
    // _fullData: plotly's decoded traces (data holds numpy arrays base64-encoded)
    return plot && plot._fullData ? plot._fullData.map(t => [t.name || "", t.mode || "", t._length]) : null;
}"""
#: The titles of the plotly figures on the page, once at least ``n`` are drawn.
TITLES_JS = """([n]) => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.layout);
    const title = p => String((p.layout.title && (p.layout.title.text || p.layout.title)) || "");
    return plots.length >= n ? plots.map(p => title(p).replace(/<[^>]+>/g, "")) : null;  // the theme adds <b>
}"""
#: {trace name: y values} of the figure whose title starts with the given text.
BARS_JS = """([title]) => {
    const plot = [...document.querySelectorAll('.js-plotly-plot')]
        .find(p => p.layout && p.layout.title
              && String(p.layout.title.text || p.layout.title).replace(/<[^>]+>/g, "").startsWith(title));
    if (!plot || !plot._fullData) return null;
    return Object.fromEntries(plot._fullData.map(t => [t.name, [...t.x].map((x, i) => [x, t.y[i]])]));
}"""


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text(label, exact=True)).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def test_karate_club_from_picture_to_node_classification(server, page, steps):
    with steps.run("pick-karate"):
        page.goto(server.url)
        wait_text(page, "Train a demo model")
        goto_page(page, "Graphs")
        wait_text(page, "Zachary (1977)")  # the citation and licence before the choice
        wait_text(page, "BSD-3-Clause")
        click_button(page, "Use this graph")
        wait_text(page, "2. Statistics: Zachary's karate club")
        assert metric(page, "nodes") == "34" and metric(page, "edges") == "78"
        assert metric(page, "components") == "1" and metric(page, "density") == "0.1390"
    with steps.run("statistics-and-picture"):
        titles = page.wait_for_function(TITLES_JS, arg=[3]).json_value()
        assert any(t.startswith("Degree distribution (log-log)") for t in titles), titles
        assert any("Zachary's karate club: 34 nodes, 78 edges" in t for t in titles), titles
        picture = page.wait_for_function(
            """() => [...document.querySelectorAll('.js-plotly-plot')].find(p => p.layout.title &&
                 String(p.layout.title.text).includes("spring layout"))
                 ?._fullData.filter(t => t.mode === 'markers').map(t => [t.name, t._length])""").json_value()
        assert sorted(picture) == [["Mr. Hi", 17], ["Officer", 17]]  # coloured by the club, every member drawn
        page.locator(".js-plotly-plot").nth(2).scroll_into_view_if_needed()
    with steps.run("train-deepwalk"):
        set_number(page, "walks_per_node", 5)
        set_number(page, "walk_length", 20)
        set_number(page, "vector_size", 16)
        set_number(page, "epochs", 3)
        click_button(page, "Start training")
        wait_text(page, f"{MODEL} finished", JOB_MS)
        wait_sidebar_names(page, MODEL)  # the trained model is the active one
    with steps.run("explore-with-edges"):
        goto_page(page, "Explore")
        wait_text(page, f"{MODEL}: 34 nodes × 16 dimensions")
        wait_text(page, "Drawing all 78 edges between the 34 points shown")
        traces = page.wait_for_function(TRACES_JS).json_value()
        assert traces[0] == ["edges", "lines", 3 * 78]  # under the points, one segment per edge
        assert sum(n for name, mode, n in traces[1:] if "markers" in mode) == 34
    with steps.run("node-classification-on-club"):
        goto_page(page, "Evaluate nodes")
        wait_text(page, "Node classification")
        chosen = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text("Label column", exact=True))
        shown = chosen.first.evaluate("b => b.innerText + ' ' + [...b.querySelectorAll('input')].map(i => i.value)")
        assert re.search(r"\bclub\b", shown), shown  # the graph's class column offered first
        click_button(page, "Run node classification")
        wait_text(page, "'club', 50% of the nodes labelled, 2 classes", JOB_MS)
        bars = page.wait_for_function(BARS_JS, arg=["Node classification"]).json_value()
        micro = dict(bars["micro-F1"])
        assert set(micro) == {MODEL, "spectral embedding, 3 dimensions (baseline)", "most frequent label (baseline)"}
        assert micro[MODEL] >= 0.8 > micro["most frequent label (baseline)"]
        wait_idle(page)
