"""Loads the relay's JSON configuration."""

import json
from dataclasses import dataclass

DEFAULTS = {
    "listen_host": "0.0.0.0",
    "listen_port": 8125,
    "idle_timeout": 60,
    "log_path": "relay.log",
    "allowlist_path": "sensors.allow",
}


@dataclass(frozen=True)
class Config:
    """The relay's settings after defaults are applied."""

    listen_host: str
    listen_port: int
    idle_timeout: int
    log_path: str
    allowlist_path: str


def load_config(path):
    """Reads the JSON object at path; missing keys take their defaults."""
    f = open(path, encoding="utf-8")
    raw = json.load(f)
    f.close()
    unknown = set(raw) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"{path}: unknown settings {sorted(unknown)}")
    return Config(**{**DEFAULTS, **raw})


def load_allowlist(path):
    """Reads the sensor addresses allowed to publish, one host per line."""
    hosts = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                hosts.add(line)
    return frozenset(hosts)
