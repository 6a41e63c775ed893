"""The hotline: a resident's request from intake to rating, over the district tree."""
