"""Endorsement of an application by the applicant's employer."""
