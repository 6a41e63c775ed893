"""Accounts and devices managed by admins and supervisors, and the scope preview."""
