"""Mentoring (一帮一): a party-member mentor paired with a family, visiting on a rhythm."""
