"""mail area."""
