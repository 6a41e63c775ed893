"""Visits and what is recorded at the door: check-ins, service records, assistance."""
