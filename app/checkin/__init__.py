"""Check-in at the venue: codes, QR codes, the check-in page and badges."""
