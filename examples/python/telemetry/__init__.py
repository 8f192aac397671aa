"""A UDP telemetry relay: sensors send datagrams, subscribers receive copies."""
