"""Accounts, devices, tokens and the login rate limit."""
