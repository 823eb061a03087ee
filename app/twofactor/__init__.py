"""Two-factor log-in: TOTP codes from an authenticator app, recovery codes, and the rule
that staff must use them."""
