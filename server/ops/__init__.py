"""Running Doorstep in production: logs, metrics, the background round, backups."""
