"""One module per assignment (aNN_topic.py), each defining ASSIGNMENT; found with pkgutil, nothing to register."""
