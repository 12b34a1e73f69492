"""Pure logic of the autoupdate service: no I/O, no server. Safe to import from other tools."""
