"""Hostile and broken inputs, created by the tests themselves (nothing binary is committed)."""
