"""Doorstep's phone app: a GUI-free core (store, outbox, sync, crypto) and a Kivy UI on top."""
