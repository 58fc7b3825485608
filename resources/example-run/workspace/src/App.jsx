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
