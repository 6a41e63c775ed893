"""Field records: the append-only records a phone makes at the door, written by one helper."""
