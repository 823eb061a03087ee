"""courses area."""
