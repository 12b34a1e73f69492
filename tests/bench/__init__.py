"""Measurement scripts that start the integration tests' servers; not tests (pytest does not collect them)."""
