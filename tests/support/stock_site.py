"""The stock-report Vite + React site the end-to-end tests build, in two versions."""

from __future__ import annotations

from tests.support.npm import site_files

INSTRUCTION = (
    "Please implement a website for generating stock reports. Users enter a stock code and "
    "get a report. Set the background color to white and the component color to navy."
)
NAVY = (0, 0, 128)
SEARCH_BG = (224, 232, 255)

APP_V2 = """\
import { useState } from 'react';

export default function App() {
  const [code, setCode] = useState('');
  const [report, setReport] = useState(null);
  return (
    <main style={{ margin: 0, fontFamily: 'sans-serif' }}>
      <header style={{ background: 'rgb(0,0,128)', color: 'white', height: 120 }}>
        <h1 style={{ margin: 0, padding: 24 }}>Stock Reports</h1>
      </header>
      <section style={{ background: 'rgb(224,232,255)', height: 300, padding: 24 }}>
        <label>Stock code <input placeholder="e.g. AAPL" value={code}
          onChange={(e) => setCode(e.target.value)} /></label>
        <button style={{ background: 'navy', color: 'white' }}
          onClick={() => setReport(code.toUpperCase())}>Search stocks</button>
        {report && <button>Download report for {report}</button>}
      </section>
    </main>
  );
}
"""
APP_V1 = """\
export default function App() {
  return (
    <main style={{ margin: 0, fontFamily: 'sans-serif' }}>
      <header style={{ background: 'rgb(0,0,128)', color: 'white', height: 120 }}>
        <h1 style={{ margin: 0, padding: 24 }}>Stock Reports</h1>
      </header>
    </main>
  );
}
"""
CSS = "html, body { margin: 0; background: white; }\n"


def stock_site(app: str) -> dict[str, str]:
    files = site_files("vite-react")
    files["src/App.jsx"] = app
    files["src/index.css"] = CSS
    files["src/main.jsx"] = files["src/main.jsx"].replace(
        "import App from './App.jsx';", "import App from './App.jsx';\nimport './index.css';"
    )
    return files


def one_heading_app(heading: str) -> str:
    """A one-heading App component."""
    return f"export default function App() {{ return <h1>{heading}</h1>; }}\n"


FOUR_CANDIDATES = {
    1: "export default function App() { return <h1>Broken</h1>\n",  # the build breaks
    2: "export default function App() { return null; }\n",  # renders nothing
    3: one_heading_app("Stock reports, plain"),
    4: one_heading_app("Stock reports, with a search form"),
}
"""``src/App.jsx`` of the four candidates the candidate tests take, by the seed they ask with:
a broken build, a blank page and two good ones."""
