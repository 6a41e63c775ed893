"""The demo district of the contract: 15 subdistricts, 99 communities, people, visits."""
