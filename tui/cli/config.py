"""`packdesk config`: each setting, its value and where it came from (a
configuration file, PACKDESK_DB, --db or the default); `--keys`: every
binding id the keymap can remap. Opens no book."""

from __future__ import annotations

from ..config import Config
from .common import EXIT_FAILED, EXIT_OK, book_path, err, to_stdout


def _known():
    # Imported here, not at the top: only a keymap needs the app's bindings, and other commands must start fast.
    from tui.app import PackdeskApp
    from tui.keys import bindings

    return bindings(PackdeskApp)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows in columns as wide as their widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join([cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]).rstrip() for row in rows]


def _print(lines: list[str]) -> int:
    return to_stdout(lambda out: out.write("".join(f"{line}\n" for line in lines)))


def cmd_config(args, config: Config) -> int:
    if getattr(args, "keys", False):
        keys = [(b.id, ",".join(b.keys), " / ".join(b.labels)) for b in _known().values()]
        return _print(_table([("binding id", "keys", "in the footer")] + keys))
    lines = [f"{kind} file: {path}{'' if there else ' (there is none)'}" for kind, path, there in config.files]
    path, source = book_path(config)
    rows = [("setting", "value", "from"), ("db", str(path), source)]
    unknown: list[str] = []
    if config.keymap:
        from tui.keys import unknown_ids, unknown_note

        unknown = unknown_ids(config.keymap, _known())
        rows += [(f"keymap.{i}", s.value, s.source) for i, s in config.keymap.items() if i not in unknown]
    code = _print(lines + [""] + _table(rows))
    for binding_id in unknown:
        err(unknown_note(binding_id, config.keymap[binding_id]))
    return EXIT_FAILED if unknown else code
