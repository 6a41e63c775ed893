"""The service catalogue: programmes and request categories with their time limits."""
