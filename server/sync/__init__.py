"""The sync engine: the change feed, push, pull and the conflict log."""
