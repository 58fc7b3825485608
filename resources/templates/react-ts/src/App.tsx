import { useState } from 'react';

export default function App() {
  const [clicks, setClicks] = useState<number>(0);
  return (
    <main className="page">
      <h1>New site</h1>
      <p>A starting point: describe the website you want and it grows from here.</p>
      <button type="button" onClick={() => setClicks(clicks + 1)}>
        Clicked {clicks} times
      </button>
    </main>
  );
}
