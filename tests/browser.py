"""A headless Chromium for the report's tests and screenshots (Debian's chromium and chromium-driver).

    python tests/browser.py REPORT.html OUT-PREFIX    # screenshots at 1280 px and 390 px wide

`chrome()` returns None, with the reason, where Chromium or its driver is missing, so that the
tests can skip saying why. The browser runs offline: every request other than the file itself is
recorded, so that a test can assert there were none.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = ("chromedriver",)


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    if not any(shutil.which(name) for name in CHROMIUM):
        return "Chromium is not installed (apt-get install chromium chromium-driver)"
    if not any(shutil.which(name) for name in DRIVER):
        return "chromedriver is not installed (apt-get install chromium-driver)"
    return None


def chrome(width: int = 1280, height: int = 900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    binary = next(shutil.which(name) for name in CHROMIUM if shutil.which(name))
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        # Offline: any name a page asks for resolves nowhere.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--no-proxy-server",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(
        options=options, service=Service(next(shutil.which(n) for n in DRIVER if shutil.which(n)))
    )
    driver.set_window_size(width, height)
    return driver


def open_page(driver, path: Path, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    driver.get(path.resolve().as_uri())
    # On a busy machine a print or a measure taken as soon as get() returns has caught a page still
    # blank (a one-page PDF of a report): wait until the document says it is whole.
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && document.querySelector('main') !== null "
            "&& (!document.fonts || document.fonts.status === 'loaded')"
        )
    )


def requests(driver) -> list[str]:
    """Every URL the page asked for, from the performance log."""
    import json

    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def screenshots(report: Path, prefix: Path) -> list[Path]:
    """The top of the page and the first organisation section, at 1280 px and at 390 px."""
    written = []
    for width in (1280, 390):
        driver = chrome(width)
        try:
            open_page(driver, report, width)
            for name, target in (("national", None), ("organisation", "section.org")):
                if target is not None:
                    found = driver.find_elements("css selector", target)
                    if not found:
                        continue
                    driver.execute_script("arguments[0].scrollIntoView(true)", found[0])
                out = prefix.parent / f"{prefix.name}-{name}-{width}.png"
                driver.save_screenshot(str(out))
                written.append(out)
        finally:
            driver.quit()
    return written


if __name__ == "__main__":
    reason = missing()
    if reason:
        sys.exit(f"browser: {reason}")
    for path in screenshots(Path(sys.argv[1]), Path(sys.argv[2])):
        print(path)
