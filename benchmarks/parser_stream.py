"""How fast the coder's reply is parsed while it streams, and that the cost stays linear.

Builds Bolt replies of about 50, 100, 200 and 400 KB (40 to 320 file actions of 330 lines),
feeds each to a ``BoltStreamParser`` one character at a time (the worst split) and in
12-character fragments (about what a model server sends), and prints the seconds and the
microseconds per character. Linear work shows as a flat column of microseconds per character.

    .venv/bin/python -m benchmarks.parser_stream [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from agent_core.protocol import BoltStreamParser

FILE_LINES = 330
FRAGMENT = 12


def reply_of(files: int) -> str:
    """A reply writing ``files`` files of ``FILE_LINES`` lines each."""
    body = "<div>{x}</div>\n" * FILE_LINES
    bodies = [f'<boltAction type="file" filePath="src/f{i}.jsx">\n{body}' for i in range(files)]
    return ('<boltArtifact id="big" title="Big">' + "</boltAction>".join(bodies)
            + "</boltAction></boltArtifact>")


def feed_seconds(reply: str, size: int) -> float:
    """Wall time of parsing ``reply`` in pieces of ``size`` characters."""
    started = time.perf_counter()
    parser = BoltStreamParser()
    count = 0
    for start in range(0, len(reply), size):
        count += len(parser.feed(reply[start:start + size]))
    count += len(parser.close())
    seconds = time.perf_counter() - started
    assert count == reply.count("</boltAction>"), "every file must come out"
    return seconds


def measure(repeat: int) -> list[dict[str, float]]:
    """Median seconds per reply size and piece size."""
    rows = []
    for files in (10, 20, 40, 80):
        reply = reply_of(files)
        row: dict[str, float] = {"kb": len(reply) / 1000}
        for size in (1, FRAGMENT):
            row[f"s_{size}"] = statistics.median(feed_seconds(reply, size) for _ in range(repeat))
            row[f"us_per_char_{size}"] = row[f"s_{size}"] / len(reply) * 1e6
        rows.append(row)
    return rows


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = measure(args.repeat)
    pieces = f"{FRAGMENT}-char s"
    print(f"{'reply KB':>9} {'1-char s':>9} {'us/char':>8} {pieces:>9} {'us/char':>8}")
    for row in rows:
        print(f"{row['kb']:>9.0f} {row['s_1']:>9.3f} {row['us_per_char_1']:>8.2f} "
              f"{row[f's_{FRAGMENT}']:>9.3f} {row[f'us_per_char_{FRAGMENT}']:>8.2f}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
