"""Special funds: a budget per unit and year, and the ledger of what was spent from it."""
