"""Rerunnable benchmarks (``make bench``); kept out of ``make test``."""
