"""Data protection: a person's export of their data, erasure on request, retention per course,
the privacy notice and the consents given to it."""
