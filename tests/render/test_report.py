"""ccgrate report: one self-contained HTML file, escaped, within its size limits, and working in a
real browser (headless Chromium; those tests skip, saying why, where it is not installed)."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import browser
import pytest
from helpers import EXAMPLES

NATIONAL = EXAMPLES / "national-2018-19.csv"
BROMLEY = EXAMPLES / "bromley.csv"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parsed(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def make(ccgrate, tmp_path: Path, *args) -> str:
    out = tmp_path / "r.html"
    ccgrate("report", *args, "-o", out, "-q")
    return out.read_text(encoding="utf-8")


def test_one_organisation_report_has_its_sections_and_audit_footer(ccgrate, tmp_path):
    html = make(ccgrate, tmp_path, BROMLEY, "--org", "07Q")
    tags = parsed(html)
    sections = [a["id"] for t, a in tags.tags if t == "section" and "org" in (a.get("class") or "").split()]
    assert sections == ["07q-2016-17", "07q-2017-18"]
    assert len(html.encode()) <= 300 * 1024
    import json

    document = json.loads(ccgrate("score", BROMLEY, "-f", "json", "-q").stdout)
    for fw in document["frameworks"]:
        assert fw["sha256"] in html
    assert document["inputs"][0]["content_sha256"] in html
    assert f"ccgrate {document['ccgrate_version']}" in html
    assert "Rated Good with a score of" in html
    # Self-contained: one inline script and style, no file or address fetched.
    assert [t for t, _ in tags.tags if t in ("script", "style", "link", "img", "iframe")] == ["style", "script"]
    assert not re.search(r"(?:src|href)=\"(?!#)", html)
    assert "http://" not in html and "https://" not in html


def test_the_national_report_has_every_part_and_stays_small(ccgrate, tmp_path):
    html = make(ccgrate, tmp_path, NATIONAL)
    tags = parsed(html)
    assert sum(1 for t, a in tags.tags if t == "section" and a.get("class") == "org") == 195
    assert len(html.encode()) <= 5 * 1024 * 1024
    text = "".join(tags.text)
    assert "Distribution of ratings" in text and "Every organisation" in text
    assert "Where organisations sit, indicator by indicator" in text
    # Published distribution beside the one given (2018/19: 24 / 102 / 58 / 11).
    assert re.search(
        r"Outstanding</span></th><td class=\"num\">24</td><td class=\"num\">12%</td><td class=\"num\">24<", html
    )
    # Every chart has a text alternative; every table header cell a scope.
    for tag, attributes in tags.tags:
        if tag == "svg":
            assert attributes.get("role") == "img" and (
                attributes.get("aria-label") or attributes.get("aria-labelledby")
            )
        if tag == "th":
            assert attributes.get("scope") in ("col", "row")
    # Too many sections for the search: each names the command instead.
    assert re.search(
        r"ccgrate whatif \S*national-2018-19.csv --org SYN001 --period 2018/19 --target Outstanding<", html
    )


@pytest.mark.parametrize(
    "args", [(BROMLEY,), (NATIONAL, "--org", "SYN001", "--previous", EXAMPLES / "national-2017-18.csv")]
)
def test_markup_the_template_makes_is_never_escaped_into_text(ccgrate, tmp_path, args):
    # Markup escaped by mistake survives parsing as an attribute holding quotes or angle brackets
    # (class=&#34;num&#34; is the class '"num"') or as text that shows a tag.
    html = make(ccgrate, tmp_path, *args)
    tags = parsed(html)
    for tag, attributes in tags.tags:
        for name, value in attributes.items():
            assert not re.search(r"[\"<>]", value or ""), (tag, name, value)
    assert not re.search(r"</?(?:span|td|th|svg|rect|line|a|code)\b", "".join(tags.text))
    assert not re.search(r"\b1 organisations\b", "".join(tags.text))


def test_every_mark_of_a_box_plot_is_drawn_whole(ccgrate, tmp_path):
    # A diamond is 8 units wide in a 200-unit box plot: one at the top or bottom of the national
    # range (a clinical priority area scored 100) must not be cut off by the edge of its picture.
    html = make(ccgrate, tmp_path, NATIONAL, "--org", "SYN001")
    boxes = re.findall(r'<svg viewBox="0 0 200 20".*?</svg>', html)
    assert boxes
    for svg in boxes:
        for x in re.findall(r'(?:x1="|x2="|class="mark" d="M)([\d.]+)', svg):
            assert 4 <= float(x) <= 196, svg
    assert any('class="mark"' in svg for svg in boxes)


def test_previous_year_and_draws_add_transitions_movers_and_probabilities(ccgrate, tmp_path):
    html = make(
        ccgrate, tmp_path, NATIONAL, "--previous", EXAMPLES / "national-2017-18.csv", "--draws", "50", "--org", "SYN001"
    )
    assert "Against the previous year" in html and "Largest movers by score" in html
    assert re.search(r"\d+ organisations in both years", html)
    assert "Sure</button>" in html and "Sensitivity: " in html and "of the draws" in html


def test_a_few_sections_get_the_smallest_change_to_the_next_rating(ccgrate, tmp_path):
    html = make(ccgrate, tmp_path, NATIONAL, "--org", "SYN005")
    assert "What would reach Good" in html
    assert '<ul class="whatif">' in html


def test_every_string_from_data_and_frameworks_is_escaped(ccgrate, tmp_path):
    from factories import HOSTILE

    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(1)>{{ 7*7 }}</style>'
    framework = tmp_path / "hostile.toml"
    framework.write_text(
        HOSTILE.replace("eval('1+1')", hostile.replace('"', '\\"')).replace(
            "open('PWNED', 'w').write('x')", hostile.replace('"', '\\"')
        )
    )
    data = tmp_path / "d.csv"
    data.write_text(
        'org_code,org_name,period,x1,finance\nA,"' + hostile.replace('"', '""') + '",2017/18,60,red\n'
        'B,"<b>bold</b>",2017/18,40,green\n'
    )
    html = make(ccgrate, tmp_path, data, "--framework", framework)
    tags = parsed(html)
    assert [t for t, _ in tags.tags if t in ("script", "img", "b")] == ["script"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "{{ 7*7 }}" in "".join(tags.text)  # shown as written, never evaluated
    assert all(not (a.get("href") or "#").startswith(("javascript", "http")) for _, a in tags.tags)


def test_the_report_is_refused_on_a_terminal(ccgrate, monkeypatch):
    monkeypatch.setattr("ccgrate._cli.commands.report._terminal", lambda: True)
    result = ccgrate("report", BROMLEY, expect=2)
    assert result.stderr == "Error: the report is an HTML file; give -o report.html (or redirect standard output)\n"


def test_the_report_goes_to_standard_output_in_a_pipe(ccgrate):
    result = ccgrate("report", BROMLEY, "--org", "07Q", "-q")
    assert result.stdout.startswith("<!DOCTYPE html>")


# --- in a real browser ---------------------------------------------------------------------------------

needs_browser = pytest.mark.skipif(browser.missing() is not None, reason=f"browser tests: {browser.missing()}")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    from ccgrate._cli.main import main

    directory = tmp_path_factory.mktemp("reports")
    made = {}
    for name, args in {
        "national": [str(NATIONAL)],
        "one": [str(BROMLEY), "--org", "07Q"],
        "three": [str(NATIONAL), "--org", "SYN001", "--org", "SYN002", "--org", "SYN004", "--no-whatif"],
        "single": [str(NATIONAL), "--org", "SYN001", "--no-whatif"],
    }.items():
        out = directory / f"{name}.html"
        with pytest.raises(SystemExit) as caught:
            main(["report", *args, "-o", str(out), "-q"])
        assert caught.value.code == 0
        made[name] = out
    return made


@pytest.fixture(scope="module")
def driver():
    if browser.missing() is not None:
        pytest.skip(f"browser tests: {browser.missing()}")
    chrome = browser.chrome()
    yield chrome
    chrome.quit()


@needs_browser
@pytest.mark.parametrize("name", ["national", "one"])
def test_it_opens_offline_without_errors_and_every_section_is_there(driver, reports, name):
    browser.open_page(driver, reports[name], 1280)
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    assert [url for url in browser.requests(driver) if not url.startswith("file://")] == []
    expected = 195 if name == "national" else 2
    assert len(driver.find_elements("css selector", "section.org")) == expected


@needs_browser
def test_the_table_sorts(driver, reports):
    browser.open_page(driver, reports["national"], 1280)
    table = driver.find_element("css selector", "table.sortable")
    score_button = table.find_elements("css selector", "thead th button")[3]

    def scores() -> list[float]:
        return driver.execute_script(
            "return Array.from(arguments[0].tBodies[0].rows).map(r => r.cells[3].getAttribute('data-v'))"
            ".filter(v => v !== '').map(parseFloat)",
            table,
        )

    score_button.click()
    first = scores()
    assert first == sorted(first)
    score_button.click()
    second = scores()
    assert second == sorted(second, reverse=True) and second != first
    header = table.find_elements("css selector", "thead th")[3]
    assert header.get_attribute("aria-sort") == "descending"
    filter_box = driver.find_element("css selector", "input[type=search]")
    filter_box.send_keys("SYN001")
    visible = driver.execute_script(
        "return Array.from(arguments[0].tBodies[0].rows).filter(r => !r.hidden).length", table
    )
    assert visible == 1


@needs_browser
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", ["national", "one"])
def test_nothing_overflows_horizontally(driver, reports, width, name):
    browser.open_page(driver, reports[name], width)
    overflow = driver.execute_script("""
        const width = document.documentElement.clientWidth;
        return Array.from(document.querySelectorAll('body *'))
          .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > width + 1)
          .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
    """)
    assert overflow == []
    assert driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@needs_browser
def test_print_puts_one_organisation_on_each_page(driver, reports):
    from selenium.webdriver.common.print_page_options import PrintOptions

    def pages(path: Path) -> int:
        browser.open_page(driver, path, 1280)
        options = PrintOptions()
        options.page_width, options.page_height = 21.0, 29.7
        pdf = base64.b64decode(driver.print_page(options))
        return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))

    single, three = pages(reports["single"]), pages(reports["three"])
    # The same overview; each organisation more is exactly one page more.
    assert three - single == 2


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_wcag_examples():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)  # #777 just fails AA


@needs_browser
@pytest.mark.parametrize("name", ["one", "three"])
def test_every_text_meets_wcag_aa_contrast(driver, reports, name):
    # Each element that holds text itself, with its computed colour and the first opaque background
    # behind it (the page's white where none is set).
    browser.open_page(driver, reports[name], 1280)
    seen = driver.execute_script("""
        function rgb(text) { const m = text.match(/[\\d.]+/g).map(Number); return m; }
        function background(e) {
          for (; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
          }
          return [255, 255, 255];
        }
        const out = [];
        document.querySelectorAll('body *').forEach(e => {
          const own = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
          if (!own || e.closest('.visually-hidden, .skip, svg') || !e.getClientRects().length) return;
          const style = getComputedStyle(e);
          const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && +style.fontWeight >= 700);
          out.push([e.tagName + '.' + e.className, rgb(style.color).slice(0, 3), background(e), large]);
        });
        return out;
    """)
    assert len(seen) > 100
    failing = {(tag, tuple(fg), tuple(bg)) for tag, fg, bg, large in seen if contrast(fg, bg) < (3.0 if large else 4.5)}
    assert failing == set()
