"""The address library (标准地址库): each community's streets and building-number ranges, by
which intake places a street address (the matcher itself: `shared/addresses.py`)."""
