"""followup area."""
