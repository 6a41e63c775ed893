"""The Kivy front end: thin screens over mobile.core.phone.Phone."""
