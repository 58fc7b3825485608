"""Writing export records to JSON Lines or Parquet, atomically.

Both writers write a temporary file beside the destination and rename it over the
destination only when every record is written, so a failed export (an unreadable run half
way, a full disk) leaves an earlier file of the same name untouched.

Parquet keeps the nested fields as nested types, not JSON strings: ``prompt`` and
``messages`` are ``list<struct<role: string, content: string>>`` and ``human`` is a nullable
``struct``. ``datasets`` reads them back as lists of dicts and a dict (or None), exactly like
the JSON Lines file; pandas gives an array of dicts per ``prompt`` cell. The column types
are fixed per schema (not inferred), so files written from different runs concatenate even
when, say, no step of one file has a GUI grade.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from agent_core.errors import ConfigError
from agent_core.export.records import SFT_SCHEMA, STEP_GRPO_SCHEMA
from agent_core.store.atomic import write_stream_atomic

PARQUET_MISSING = "Parquet output needs pyarrow: pip install 'webgen-studio[parquet]'"


def write_jsonl(records: Iterable[dict[str, Any]], path: Path) -> int:
    """Write one JSON object per line (UTF-8, non-ASCII kept as is).

    Args:
        records: The records; consumed once, streamed to disk.
        path: Destination; its folder is created if missing.

    Returns:
        The number of records written.
    """

    def dump(handle: IO[bytes]) -> int:
        count = 0
        for record in records:
            handle.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
            count += 1
        return count

    return write_stream_atomic(Path(path), dump)


def write_parquet(records: Iterable[dict[str, Any]], path: Path) -> int:
    """Write the records as one Parquet table (nested fields as nested types).

    Args:
        records: Records of one schema (``webgen-step-grpo/1`` or ``webgen-sft/1``); records
            of another schema get inferred column types.
        path: Destination; its folder is created if missing.

    Returns:
        The number of records written.

    Raises:
        ConfigError: pyarrow is not installed.
    """
    pa, pq = _pyarrow()
    rows = list(records)
    schema = _schema(pa, rows[0].get("schema") if rows else None)
    table = pa.Table.from_pylist(rows, schema=schema)

    def dump(handle: IO[bytes]) -> int:
        pq.write_table(table, handle)
        return len(rows)

    return write_stream_atomic(Path(path), dump)


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ConfigError(PARQUET_MISSING) from None
    return pa, pq


def _message_type(pa: Any) -> Any:
    return pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


def _schema(pa: Any, name: str | None) -> Any:
    text, whole, flag, real = pa.string(), pa.int64(), pa.bool_(), pa.float64()
    if name == STEP_GRPO_SCHEMA:
        human = pa.struct(
            [
                ("appearance", whole),
                ("gui", whole),
                ("gui_verdict_correct", flag),
                ("note", text),
                ("labeller", text),
                ("at", real),
            ]
        )
        columns = [
            ("schema", text),
            ("run_id", text),
            ("run_dir", text),
            ("group_id", text),
            ("instruction", text),
            ("step", whole),
            ("parent", whole),
            ("kind", text),
            ("prompt", _message_type(pa)),
            ("response", text),
            ("appearance_grade", whole),
            ("gui_grade", whole),
            ("has_error", flag),
            ("reward", real),
            ("reward_source", text),
            ("human", human),
            ("coder_model", text),
            ("advantage", real),
        ]
    elif name == SFT_SCHEMA:
        columns = [
            ("schema", text),
            ("run_id", text),
            ("run_dir", text),
            ("group_id", text),
            ("instruction", text),
            ("messages", _message_type(pa)),
            ("best_step", whole),
            ("appearance_grade", whole),
            ("gui_grade", whole),
            ("coder_model", text),
        ]
    else:
        return None
    return pa.schema(columns)
