"""Configuration files for a test: the host's and the user's packdesk.toml
under tmp_path, found there through PACKDESK_HOST_CONFIG, HOME and
XDG_CONFIG_HOME (so no test reads the real /etc/packdesk or ~/.config)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class ConfigFiles:
    home: Path
    #: The host's file (PACKDESK_HOST_CONFIG names it).
    host: Path
    #: The user's file: $XDG_CONFIG_HOME/packdesk/packdesk.toml.
    user: Path

    def write_host(self, text: str) -> Path:
        return _write(self.host, text)

    def write_user(self, text: str) -> Path:
        return _write(self.user, text)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_files(tmp_path: Path, monkeypatch) -> ConfigFiles:
    """Point packdesk at two configuration files under tmp_path (not written yet)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    files = ConfigFiles(home, tmp_path / "etc" / "packdesk" / "packdesk.toml", home / "config" / "packdesk" / "packdesk.toml")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("PACKDESK_HOST_CONFIG", str(files.host))
    return files
