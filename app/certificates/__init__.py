"""Certificates of participation and their public verification."""
