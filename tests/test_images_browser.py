"""Hover images in a real browser (Playwright + Debian's Chromium): the stand-alone map and a Streamlit chart.

Run alone with ``pytest -m browser``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pandas as pd
import pytest

from streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, chromium_available, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not chromium_available(), reason=f"needs playwright and {CHROMIUM}")]


def hover_until_image(page, plot_selector: str) -> str:
    """Move the mouse over the plot until the hover image shows; return its tile number ('' if never)."""
    box = page.locator(f"{plot_selector} .nsewdrag").first.bounding_box()
    for fx in (0.5, 0.4, 0.6, 0.3, 0.7, 0.45, 0.55):
        for fy in (0.5, 0.4, 0.6, 0.3, 0.7):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(150)
            image = page.locator("#embedlab-hover-image")
            if image.is_visible():
                return image.get_attribute("data-tile")
    return ""


def hovered_label(page) -> str:
    return page.locator(".hoverlayer .hovertext").first.text_content() or ""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_standalone_map_shows_the_hovered_digit(browser, tmp_path):
    from embedlab.sources.images import sample_imageset
    from embedlab.train.image_pca import PCAFit
    from embedlab.views import images as vi
    from embedlab.views.scatter import scatter_figure

    digits = sample_imageset("digits")
    xy = PCAFit(2).fit(digits.features()).transform(digits.features())
    frame = pd.DataFrame({"word": digits.ids, "label": digits.labels, "x": xy[:, 0], "y": xy[:, 1]})
    fig = scatter_figure(frame, colour=digits.labels)
    vi.add_point_thumbnails(fig, frame, digits)
    path = tmp_path / "map.html"
    path.write_text(vi.hover_html(vi.hover_payload(fig, frame, digits)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 750})
    page.goto(path.as_uri())
    page.wait_for_function("window.embedlabHoverReady === true", timeout=60_000)
    assert page.locator("g.layer-above image").count() == 1797  # a thumbnail at every point
    tile = hover_until_image(page, "#embedlab-plot")
    assert tile != ""
    # the box shows the hovered point's own digit: the tile is its row, and plotly's label is its class
    assert hovered_label(page) == digits.labels[int(tile)]
    style = page.locator("#embedlab-hover-image").get_attribute("style")
    assert "data:image/png;base64" in style
    page.close()


def test_streamlit_chart_shows_hover_images_across_reruns(browser, tmp_path):
    port = free_port()
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "tests" / "apps" / "hover_images_app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=str(ROOT), env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"http://127.0.0.1:{port}")
        page.get_by_text("map ready").wait_for(timeout=120_000)
        assert hover_until_image(page, ".st-key-map") != ""
        # after a rerun that redraws the chart (thumbnails on), hovering still shows images
        page.get_by_text("Thumbnails at the points").click()
        page.get_by_text("Thumbnails drawn at all 1,797 points").wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        assert hover_until_image(page, ".st-key-map") != ""
        assert page.locator(".st-key-map g.layer-above image").count() == 1797
        page.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
        log.close()
