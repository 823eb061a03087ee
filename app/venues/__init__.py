"""Venues and rooms."""
