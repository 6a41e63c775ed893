"""The conflict log: values that did not stand when two people changed the same field."""
