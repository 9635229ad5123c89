"""Real headless Chromium for the page tests: Debian's chromium and chromium-driver,
driven by Selenium. Missing binaries skip the test, except under CI=true (a failure)."""
from __future__ import annotations

import contextlib
import os

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# no network of its own: no updates, no sync, no first-run pages
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")


def require_chromium() -> None:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        message = "Debian's chromium and chromium-driver are needed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 900):
    """A Selenium driver of headless Chromium with a window of width x height."""
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in CHROMIUM_ARGS + (f"--window-size={width},{height}",):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


# Rasterises an SVG element on a canvas and counts its pixels that are not near-white:
# what the browser actually drew, not what the markup claims.
COLORED_PIXELS_JS = """
const svg = arguments[0], done = arguments[arguments.length - 1];
const image = new Image();
image.onload = () => {
  const canvas = document.createElement('canvas');
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let colored = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && !(data[i] > 235 && data[i + 1] > 235 && data[i + 2] > 235)) colored++;
  }
  done(colored);
};
image.onerror = () => done(-1);
image.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(new XMLSerializer().serializeToString(svg));
"""


def colored_pixels(driver, element) -> int:
    return driver.execute_async_script(COLORED_PIXELS_JS, element)
