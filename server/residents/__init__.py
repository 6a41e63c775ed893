"""Residents and their households."""
