"""Offline implementations of every port, so the whole service runs without Postgres, Redis or auth."""
