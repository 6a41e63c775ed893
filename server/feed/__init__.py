"""The change feed: every write to a synced table captured in its transaction, in commit order,
and the conflict log. Below every domain; knows none of them."""
