"""Chinese search and demand <-> supply matching."""
