"""`python -m shared.mutations [--write docs/sync.md]`: the mutation table for docs/sync.md,
from the registry (printed, or written between the file's markers)."""

import sys

from shared.generated import rewrite
from shared.mutations import docs_table

if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
    print("updated" if rewrite(sys.argv[2], "mutations", docs_table()) else "unchanged")
else:
    print(docs_table(), end="")
