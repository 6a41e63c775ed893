"""`python -m shared.mutations`: the mutation table for docs/sync.md, from the registry."""

from shared.mutations import docs_table

print(docs_table(), end="")
