"""The audit log: who did what to an account or to personal data, when and from where."""
