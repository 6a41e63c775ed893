"""Open311 GeoReport v2 under /open311/v2/: the civic-request standard for outside systems."""
