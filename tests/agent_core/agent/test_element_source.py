"""Finding where a picked element is written: tagged files, plain HTML pages, and no escape."""

from __future__ import annotations

from pathlib import Path

from agent_core.agent.element_source import locate_source
from agent_core.protocol.element_ref import ElementRef

APP = "\n".join(["export default function App() {", "  return (", "    <main>",
                 "      <h1>Shop</h1>", "      <button>Buy</button>", "    </main>", "  );",
                 "}"]) + "\n"
PAGE = """\
<!doctype html>
<html>
<body>
  <h1 id="title">Fresh bread</h1>
  <section>
    <p>Baked daily.</p>
    <button onclick="order()">Order bread</button>
    <button onclick="call()">Call us</button>
  </section>
</body>
</html>
"""


def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "src").mkdir(parents=True)
    (root / "src" / "App.jsx").write_text(APP)
    (root / "index.html").write_text(PAGE)
    (root / "menu.html").write_text("<ul>\n  <li>Rye</li>\n</ul>\n")
    (tmp_path / "secret.txt").write_text("password\n")
    return root


def test_a_tagged_element_gets_the_lines_around_it(tmp_path: Path) -> None:
    root = site(tmp_path)
    element = locate_source(root, ElementRef("button", "Buy", "main > button",
                                             source_file="src/App.jsx", source_line=5,
                                             source_exact=True))
    assert element.location == "src/App.jsx:5" and element.source_exact
    assert element.excerpt.splitlines()[0] == "  1 | export default function App() {"
    assert "> 5 |       <button>Buy</button>" in element.excerpt


def test_a_tag_pointing_outside_the_project_or_into_tools_folders_is_dropped(
        tmp_path: Path) -> None:
    root = site(tmp_path)
    (root / "node_modules" / "x").mkdir(parents=True)
    (root / "node_modules" / "x" / "a.js").write_text("secret\n")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    for path in ("../secret.txt", "/etc/passwd", "node_modules/x/a.js", "link.txt",
                 "missing.jsx"):
        element = locate_source(root, ElementRef("p", source_file=path, source_line=1))
        assert (element.source_file, element.source_line, element.excerpt) == ("", None, ""), path


def test_a_plain_html_element_is_found_in_its_page_by_a_simple_search(tmp_path: Path) -> None:
    root = site(tmp_path)
    by_text = locate_source(root, ElementRef(
        "button", "Call us", "section > button:nth-of-type(2)",
        '<button onclick="call()">Call us</button>', page="/"))
    assert (by_text.source_file, by_text.source_line, by_text.source_exact) == (
        "index.html", 8, False)
    assert ">  8 |     <button onclick=\"call()\">Call us</button>" in by_text.excerpt
    by_id = locate_source(root, ElementRef("h1", "Fresh", "#title",
                                           '<h1 id="title">Fresh bread</h1>', page="/index.html"))
    assert by_id.location == "index.html:4"
    only = locate_source(root, ElementRef("li", "Rye", "ul > li", "<li>Rye</li>", page="/menu"))
    assert only.location == "menu.html:2"
    unknown = locate_source(root, ElementRef("div", page="/nowhere"))
    assert unknown.location == "" and unknown.excerpt == ""
