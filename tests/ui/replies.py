"""Realistic Bolt-format coder replies for the chat widget tests."""

from __future__ import annotations

APP_JSX = """import { useState } from "react";
import "./App.css";

export default function App() {
  const [items, setItems] = useState([]);
  const [text, setText] = useState("");
  const add = () => {
    if (text.trim()) setItems([...items, text.trim()]);
    setText("");
  };
  return (
    <main className="app">
      <h1>Bakery orders</h1>
      <input value={text} onChange={(e) => setText(e.target.value)} />
      <button onClick={add}>Add</button>
      <ul>{items.map((item) => <li key={item}>{item}</li>)}</ul>
    </main>
  );
}
"""

APP_CSS = """.app { max-width: 40rem; margin: 2rem auto; font-family: system-ui; }
h1 { color: #7a4b2a; }
button { background: #7a4b2a; color: white; border: 0; padding: 0.4rem 1rem; }
"""

PACKAGE_JSON = """{
  "name": "bakery",
  "private": true,
  "type": "module",
  "scripts": { "dev": "vite --host 127.0.0.1" },
  "dependencies": { "react": "^19.0.0", "react-dom": "^19.0.0" },
  "devDependencies": { "vite": "^7.0.0", "@vitejs/plugin-react": "^5.0.0" }
}
"""


def lines_of(content: str) -> int:
    """How many lines a file has (what the chat's "wrote" chip reports)."""
    return content.count("\n") + (0 if content.endswith("\n") else 1)


ORDERS_JS = (
    (
        "export const orders = [\n"
        + "".join(
            f'  {{ id: {i}, item: "Loaf #{i}", quantity: {i % 4 + 1}, paid: {i % 2 == 0} }},\n'
            for i in range(1, 81)
        )
        + "];\n"
    )
    .replace("True", "true")
    .replace("False", "false")
)


def bakery_reply(*, with_orders: bool = False) -> str:
    """A whole edit-step reply: prose, a fenced artifact with files and commands.

    Args:
        with_orders: Add a long ``src/orders.js`` (about 8 KB), for streaming tests.
    """
    orders = (
        f'<boltAction type="file" filePath="src/orders.js">\n{ORDERS_JS}</boltAction>\n'
        if with_orders
        else ""
    )
    return (
        "I'll build the bakery order page with React and Vite.\n\n"
        "```xml\n"
        '<boltArtifact id="bakery-orders" title="Bakery orders">\n'
        f'<boltAction type="file" filePath="package.json">\n{PACKAGE_JSON}</boltAction>\n'
        f"<boltAction filePath='src/App.jsx' type='file'>\n```jsx\n{APP_JSX}```\n</boltAction>\n"
        f'<boltAction type="file" filePath="src/App.css">\n{APP_CSS}</boltAction>\n'
        f"{orders}"
        '<boltAction type="shell">npm install &amp;&amp; npm run build</boltAction>\n'
        '<boltAction type="start">npm run dev</boltAction>\n'
        "</boltArtifact>\n"
        "```\n\n"
        "The page lists orders and lets you add new ones."
    )


def signal_reply() -> str:
    """A reply that only sends the screenshot_validated signal (with an empty body)."""
    return (
        "The screenshot matches the request.\n"
        '<boltArtifact id="check" title="Check">\n'
        '<boltAction type="screenshot_validated"></boltAction>\n'
        "</boltArtifact>"
    )
