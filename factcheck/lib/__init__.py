"""Helpers shared by the apps (no models, no domain logic)."""
