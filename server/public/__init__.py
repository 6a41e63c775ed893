"""Residents without an account: the self-service pages under /public/ and their JSON twin
under /api/v1/public/ (submit, track by a private token, rate, the catalogue)."""
