"""Programmes: funded initiatives that group courses and events (pages, administration)."""
