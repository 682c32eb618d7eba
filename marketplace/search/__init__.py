"""Chinese search and demand <-> supply matching; other features go through `gateway.py`."""
