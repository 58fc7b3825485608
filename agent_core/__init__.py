"""WebGen Studio's engine: the WebGen-Agent loop in pure asyncio, with no Qt and no UI."""

__version__ = "0.1.0"
