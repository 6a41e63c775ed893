"""The org tree: district, subdistricts, communities."""
