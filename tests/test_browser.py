"""A real browser on a real server: ``kg serve`` as a subprocess on a free loopback
port, Debian's headless chromium driven through /usr/bin/chromedriver by selenium
(which downloads nothing: the driver and the browser are given by path).

The walk: start page -> catalogue -> fill and submit review-topics (lang select) ->
the results table equals the embedded store's answer -> follow an entity link -> the
entity page shows its Vietnamese label and an evidence quote; then the SPARQL query page
once. Screenshots are saved under test-artifacts/ (git-ignored) and their paths
printed. In CI (CI=true) a missing chromium or chromedriver fails; elsewhere it skips.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import URIRef

import kg.store
from kg.core.terms import short_name
from kg.sparql import catalogue as queries

# Chromium through chromedriver, against a kg serve.
pytestmark = pytest.mark.external

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(why: str) -> None:
    if IN_CI:
        pytest.fail(f"browser test cannot run in CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``kg serve`` on a free loopback port; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"kg serve exited: {log.read().decode(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("kg serve did not answer /health within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"no {CHROMIUM}")
    if not CHROMEDRIVER.exists():
        _unavailable(f"no {CHROMEDRIVER}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1600",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"no screenshot {path}"
    assert path.stat().st_size > 1000
    print(f"screenshot: {path}")
    return path


def cell_text(term: Any) -> str:
    if term is None:
        return ""
    return short_name(term) if isinstance(term, URIRef) else str(term)


def test_catalogue_form_results_and_entity_page(server: str, browser: Any) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    timings: dict[str, float] = {}

    def gone(element: Any) -> bool:
        """Whether the page ``element`` was on has been replaced. Mid-navigation
        chromedriver may answer "Node with given id does not belong to the document"
        rather than "stale element" (selenium's staleness_of lets that through)."""
        try:
            element.is_enabled()
        except WebDriverException:
            return True
        return False

    def timed(label: str, action: Any) -> None:
        """Run ``action`` (a click or a get) and wait until the new page has loaded."""
        old = browser.find_elements(By.TAG_NAME, "html")
        started = time.monotonic()
        action()
        if old:
            WebDriverWait(browser, 15).until(lambda d: gone(old[0]))
        WebDriverWait(browser, 15).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )
        timings[label] = time.monotonic() - started

    timed("start page", lambda: browser.get(server + "/"))
    assert browser.title == "kg — kg"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    timed("catalogue", lambda: browser.find_element(By.LINK_TEXT, "Stored queries").click())
    assert browser.current_url == server + "/queries"

    # The review-topics form: a select for its enumerated lang parameter, at its default.
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/queries/review-topics']")
    select = Select(form.find_element(By.ID, "review-topics--lang"))
    assert select.first_selected_option.get_attribute("value") == "en"
    label = form.find_element(By.CSS_SELECTOR, "label[for='review-topics--lang']")
    assert label.text == "lang"
    select.select_by_value("vi")
    timed("results", lambda: form.find_element(By.CSS_SELECTOR, "button[type=submit]").click())
    assert browser.current_url == server + "/queries/review-topics?lang=vi"

    # The table is the embedded store's answer, cell by cell (rows in any order).
    expected = kg.store.run(queries.get("review-topics"), {"lang": "vi"})
    table = browser.find_element(By.CSS_SELECTOR, "table.results")
    header = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert header == expected.variables
    rows = [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    assert sorted(rows) == sorted(
        [[cell_text(row.get(v)) for v in expected.variables] for row in expected.rows]
    )
    screenshot(browser, "browser-results")

    # Follow an entity link: the first topic, a concept of the graph.
    link = table.find_element(By.CSS_SELECTOR, "tbody tr td a")
    target = link.get_attribute("href")
    assert target.startswith(server + "/id/concept/review-topic/")
    timed("entity page", link.click)
    assert browser.current_url == target
    iri = "https://w3id.org/vn-kg/" + target[len(server) + 1 :]
    labels = {
        row["label"].language: str(row["label"])
        for row in kg.store.run_text(
            f"SELECT ?label WHERE {{ GRAPH ?g {{ <{iri}> skos:prefLabel ?label }} }}"
        ).rows
    }
    heading = browser.find_element(By.TAG_NAME, "h1")
    assert heading.find_element(By.CSS_SELECTOR, "span[lang=vi]").text == labels["vi"]

    # An entity with evidence: the quote in context, its exact words marked.
    timed("evidence page", lambda: browser.get(server + "/id/body/huyen-uy-nam-truc"))
    heading = browser.find_element(By.TAG_NAME, "h1")
    assert heading.find_element(By.CSS_SELECTOR, "span[lang=vi]").text == "Huyện ủy Nam Trực"
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#evidence blockquote mark")]
    evidence = kg.store.run(
        queries.get("evidence-for-fact"),
        {"fact": "https://w3id.org/vn-kg/id/body/huyen-uy-nam-truc"},
    )
    assert sorted(marks) == sorted(str(row["exact"]) for row in evidence.rows)
    assert "Huyện ủy Nam Trực" in marks
    caption = browser.find_element(By.CSS_SELECTOR, "#evidence figcaption")
    assert "nam-truc-2021-11-01" in caption.get_attribute("innerHTML")
    article = caption.find_element(By.CSS_SELECTOR, "cite[lang=vi] a")
    assert article.text.startswith("Đảng bộ Nam Trực tạo chuyển biến")
    screenshot(browser, "browser-entity")
    print("page latency (s, in the browser):", {k: round(v, 3) for k, v in timings.items()})


def test_sparql_query_page(server: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(server + "/query")
    area = browser.find_element(By.ID, "query")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=query]").text == "Query"
    area.clear()
    area.send_keys(
        "SELECT ?label WHERE { GRAPH ?g { body:huyen-uy-nam-truc rdfs:label ?label } "
        'FILTER (LANG(?label) = "vi") }'
    )
    Select(browser.find_element(By.ID, "format")).select_by_value("html")
    browser.find_element(By.CSS_SELECTOR, "#sparql-form button[type=submit]").click()
    WebDriverWait(browser, 15).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "table.results, .error")
    )
    errors = browser.find_elements(By.CSS_SELECTOR, ".error")
    assert not errors, errors[0].text
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "table.results tbody td")]
    assert cells == ["Huyện ủy Nam Trực"]
    # The query stays in the form, to edit and run again.
    assert "FILTER (LANG(?label)" in browser.find_element(By.ID, "query").get_attribute("value")
    screenshot(browser, "browser-sparql")


def yasr_cell(term: Any) -> str:
    """A term as YASR's table shows it when the query declares no prefix for it."""
    from rdflib import Literal

    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    assert isinstance(term, Literal)
    if term.language:
        return f'"{term}"@{term.language}'
    if term.datatype is not None:
        return f'"{term}"^^<{term.datatype}>'
    return f'"{term}"'


def test_yasgui_editor(server: str, browser: Any) -> None:
    """/yasgui: the query typed into YASGUI runs on /sparql and its rows show in the
    table; completion offers the project prefixes; a stored query opens as a tab; and
    the page's Content-Security-Policy blocks nothing YASGUI does."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    # Registered before any script of the page runs (DevTools scripts bypass the policy).
    watcher = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "window.kgViolations = []; document.addEventListener("
            "'securitypolicyviolation', e => window.kgViolations.push("
            "e.violatedDirective + ' ' + e.blockedURI));"
        },
    )
    try:
        started = time.monotonic()
        browser.get(server + "/yasgui")
        WebDriverWait(browser, 20).until(
            lambda d: d.execute_script(
                "return !!(window.kgYasgui && kgYasgui.getTab() && kgYasgui.getTab().getYasqe())"
            )
        )
        ready = time.monotonic() - started
        editor = browser.find_element(By.CSS_SELECTOR, ".yasqe .CodeMirror")

        # Prefix completion knows the project prefixes: type "PREFIX kgo" on a new line.
        browser.execute_script("kgYasgui.getTab().getYasqe().setValue('')")
        editor.click()
        editor.find_element(By.TAG_NAME, "textarea").send_keys("PREFIX kgo")
        hints = WebDriverWait(browser, 10).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".CodeMirror-hints li")
        )
        assert "kgo: <https://w3id.org/vn-kg/ontology#>" in [h.text for h in hints]
        editor.find_element(By.TAG_NAME, "textarea").send_keys(Keys.ESCAPE)

        # A query typed key by key, with project prefixes it does not declare: the editor
        # adds their PREFIX lines as they are typed (the endpoint would not).
        browser.execute_script("kgYasgui.getTab().getYasqe().setValue('')")
        editor.click()
        editor.find_element(By.TAG_NAME, "textarea").send_keys(
            "SELECT ?body ?label WHERE { GRAPH ?g { ?body a org:Organization ; "
            "rdfs:label ?label } }"
        )
        query = browser.execute_script("return kgYasgui.getTab().getYasqe().getValue()")
        assert sorted(query.splitlines()) == [
            "PREFIX org: <http://www.w3.org/ns/org#>",
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
            "SELECT ?body ?label WHERE { GRAPH ?g { ?body a org:Organization ; "
            "rdfs:label ?label } }",
        ]
        started = time.monotonic()
        browser.find_element(By.CSS_SELECTOR, ".yasqe .yasqe_queryButton").click()
        WebDriverWait(browser, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table.dataTable tbody tr td")
        )
        answered = time.monotonic() - started
        expected = kg.store.run_text(query)
        assert expected.rows, "the check needs a query with an answer"
        table = browser.find_element(By.CSS_SELECTOR, ".yasr table.dataTable")
        header = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
        assert header == ["", *expected.variables]  # the first column numbers the rows
        # Every row on one page: YASR pages at 50.
        assert len(expected.rows) <= 50
        rows = [
            [td.text for td in tr.find_elements(By.TAG_NAME, "td")][1:]
            for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")
        ]
        assert sorted(rows) == sorted(
            [[yasr_cell(row.get(v)) for v in expected.variables] for row in expected.rows]
        )
        screenshot(browser, "browser-yasgui")

        # The same answer in one of kg's formats, from the editor's "Answer as": the
        # address it opens is caught (headless Chromium saves a CSV rather than show it).
        Select(browser.find_element(By.ID, "kg-format")).select_by_value("csv")
        browser.execute_script("window.open = (url) => { window.kgOpened = url; }")
        browser.find_element(By.XPATH, "//button[text()='Open the answer']").click()
        opened = browser.execute_script("return window.kgOpened")
        assert opened.startswith(server + "/sparql?query=")
        with urllib.request.urlopen(opened, timeout=10) as answer:
            assert answer.headers["Content-Type"].startswith("text/csv")
            csv_lines = answer.read().decode().splitlines()
        assert csv_lines[0] == ",".join(expected.variables)
        assert len(csv_lines) == 1 + len(expected.rows)

        # A stored query from the examples opens in a tab of its own and runs there.
        name = "party-members-count"
        examples = Select(browser.find_element(By.ID, "kg-examples"))
        offered = [o.text.split(" — ")[0] for o in examples.options[1:]]
        assert offered == queries.names()
        examples.select_by_index(1 + offered.index(name))
        tab = browser.find_element(By.CSS_SELECTOR, ".tabsList .tab.active")
        assert tab.text.splitlines()[0] == name  # then the close button
        browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasqe_queryButton").click()
        WebDriverWait(browser, 20).until(
            lambda d: d.find_elements(
                By.CSS_SELECTOR, ".tabPanel.active .yasr table.dataTable tbody tr td"
            )
        )
        shown = browser.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr tbody tr")
        assert len(shown) == len(kg.store.run(queries.get(name)).rows)

        assert browser.execute_script("return window.kgViolations") == []
        print(f"yasgui ready in {ready:.2f} s, first answer in {answered:.2f} s")
    finally:
        browser.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": watcher["identifier"]}
        )
