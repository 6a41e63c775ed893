"""Doorstep's server: the Litestar app, its tables, services, sync endpoints and admin CLI."""

__version__ = "0.1.0"
