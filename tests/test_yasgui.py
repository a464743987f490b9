"""The YASGUI editor of kg serve (``/yasgui``), in process with werkzeug's test client:
the page loads only this server's files, carries its Content-Security-Policy (that page
alone), hands YASGUI the endpoint, the project prefixes, the stored queries (each one
runs on /sparql as offered) and the answer formats, and keeps the plain form for
browsers without JavaScript; the shipped files are served with their media types and
are what scripts/refresh-yasgui.sh fetched. The browser half is in test_browser.py."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from kg.core.prefixes import PREFIXES
from kg.http.app import create_app
from kg.http.context import ServerConfig
from kg.http.pages import STATIC_DIR, YASGUI_CSP, YASGUI_INLINE_STYLES
from kg.sparql import catalogue as queries

ROOT = Path(__file__).resolve().parents[1]
YASGUI_DIR = STATIC_DIR / "yasgui"
REFRESH = ROOT / "scripts" / "refresh-yasgui.sh"


class Elements(HTMLParser):
    """Every element with its attributes, the text of the JSON config, what <noscript>
    holds."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.config = ""
        self.noscript: list[str] = []
        self._in: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attributes))
        if self._in and self._in[-1] == "noscript":
            self.noscript.append(tag)
        if tag == "script" and attributes.get("type") == "application/json":
            self._in.append("config")
        elif tag in ("noscript", "script"):
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("noscript", "script") and self._in:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "config":
            self.config += data

    def find(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag]


@pytest.fixture(scope="module")
def client() -> Client:
    return Client(create_app(ServerConfig()))


@pytest.fixture(scope="module")
def page(client: Client) -> tuple[Any, Elements]:
    response = client.get("/yasgui", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return response, Elements(response.get_data(as_text=True))


def test_the_page_loads_only_local_files(page: tuple[Any, Elements]) -> None:
    response, parsed = page
    text = response.get_data(as_text=True)
    assets = [a["href"] for a in parsed.find("link")]
    assets += [a["src"] for a in parsed.find("script") if "src" in a]
    assert assets == [
        "/static/kg.css",
        "/static/yasgui/yasgui.min.css",
        "/static/yasgui/yasgui.min.js",
        "/static/kg-yasgui.js",
    ]
    links = [a.get(k, "") for _, a in parsed.elements for k in ("href", "src", "action")]
    assert all(link.startswith("/") for link in links if link), links
    # No URL of another host outside the JSON config (whose IRIs name vocabularies,
    # they are not fetched); no inline script to run either.
    outside = text.replace(parsed.config, "")
    assert not re.search(r"https?://", outside), re.findall(r"https?://\S+", outside)
    scripts = parsed.find("script")
    assert all("src" in s or s.get("type") == "application/json" for s in scripts)


def test_the_policy_is_on_the_editor_page_only(client: Client, page: tuple[Any, Elements]) -> None:
    response, _ = page
    directives = response.headers["Content-Security-Policy"].split("; ")
    policy = {name: value for name, _, value in (d.partition(" ") for d in directives)}
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["Content-Security-Policy"] == YASGUI_CSP
    for other in ("/", "/query", "/queries"):
        assert "Content-Security-Policy" not in client.get(other).headers


def test_the_inline_styles_allowed_are_those_of_the_bundle() -> None:
    """After a refresh, a hash of a style YASGUI no longer adds must not linger."""
    bundle = (YASGUI_DIR / "yasgui.min.js").read_text(encoding="utf-8")
    grips, drag = YASGUI_INLINE_STYLES
    assert grips in bundle
    # The drag cursor style is built from the option's default.
    assert drag == "*{cursor:col-resize!important}"
    assert "`*{cursor:`+n.opt.dragCursor+`!important}`" in bundle
    assert "dragCursor:`col-resize`" in bundle


def test_yasgui_gets_the_endpoint_prefixes_examples_and_formats(
    client: Client, page: tuple[Any, Elements]
) -> None:
    _, parsed = page
    config = json.loads(parsed.config)
    assert config["endpoint"] == "/sparql"
    assert config["prefixes"] == PREFIXES
    assert config["prefixes"]["kgo"] == "https://w3id.org/vn-kg/ontology#"
    assert [e["name"] for e in config["examples"]] == queries.names()
    # The formats of the plain query page, less its HTML table (YASGUI draws its own).
    assert [f["name"] for f in config["formats"]] == [
        "json",
        "xml",
        "csv",
        "tsv",
        "turtle",
        "nt",
        "json-ld",
    ]
    # Every example runs as offered (defaults bound, prefixes declared) on /sparql.
    for example in config["examples"]:
        answer = client.post(
            "/sparql",
            data={"query": example["query"]},
            headers={"Accept": "application/sparql-results+json, text/turtle"},
        )
        assert answer.status_code == 200, (example["name"], answer.get_data(as_text=True))
    default = client.post("/sparql", data={"query": config["query"]})
    assert default.status_code == 200, default.get_data(as_text=True)


def test_the_config_cannot_close_its_element(tmp_path: Path) -> None:
    """A stored query holding "</script>" stays inside the JSON block, intact."""
    sneaky = (
        '#+ summary: </script><script>alert(1)</script>\nSELECT ?s WHERE { ?s ?p "</script>" }\n'
    )
    (tmp_path / "sneaky.rq").write_text(sneaky, encoding="utf-8")
    app = create_app(ServerConfig())
    app.ctx.extra["queries_dir"] = tmp_path
    text = Client(app).get("/yasgui").get_data(as_text=True)
    block = text.split('id="kg-yasgui-config">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block
    (example,) = json.loads(block)["examples"]
    assert example["summary"] == "</script><script>alert(1)</script>"
    assert '"</script>"' in example["query"]
    assert text.count("<script") == 3


def test_without_javascript_the_plain_form_is_there(page: tuple[Any, Elements]) -> None:
    _, parsed = page
    assert {"form", "textarea", "select", "button"} <= set(parsed.noscript)
    form = next(a for a in parsed.find("form") if a.get("id") == "sparql-form")
    assert form["action"] == "/query"
    assert [a["name"] for a in parsed.find("textarea")] == ["query"]


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/static/yasgui/yasgui.min.js", "text/javascript; charset=utf-8"),
        ("/static/yasgui/yasgui.min.css", "text/css; charset=utf-8"),
        ("/static/kg-yasgui.js", "text/javascript; charset=utf-8"),
    ],
)
def test_the_files_are_served_with_their_media_types(
    client: Client, path: str, media_type: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == media_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data() == (STATIC_DIR / path.removeprefix("/static/")).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/static/yasgui/LICENSE",
        "/static/yasgui/nope.js",
        "/static/yasgui/../pages.py",
        "/static/yasgui/..%2F..%2Fpages.py",
        "/static/..%2Fapp.py",
        "/static/.hidden.js",
    ],
)
def test_nothing_else_is_served_from_the_package(client: Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_shipped_files_are_the_pinned_release() -> None:
    """The README names the version the refresh script pins and the checksums of the
    files as fetched; the licence is there."""
    pinned = re.search(r"^PINNED=(\S+)$", REFRESH.read_text(encoding="utf-8"), re.M)
    assert pinned, "scripts/refresh-yasgui.sh pins no version"
    readme = (YASGUI_DIR / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# YASGUI {pinned.group(1)}\n")
    assert f"@zazuko/yasgui@{pinned.group(1)}" in readme
    for name in ("yasgui.min.js", "yasgui.min.css"):
        digest = hashlib.sha256((YASGUI_DIR / name).read_bytes()).hexdigest()
        assert f"| {name} | `{digest}` |" in readme
    licence = (YASGUI_DIR / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    assert sorted(p.name for p in YASGUI_DIR.iterdir()) == [
        "LICENSE",
        "README.md",
        "yasgui.min.css",
        "yasgui.min.js",
    ]
