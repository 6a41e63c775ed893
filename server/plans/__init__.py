"""Recurring visit plans for residents living alone, and alerts for missed visits."""
