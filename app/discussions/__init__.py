"""Discussions of the follow-up phase: threads, moderation and the daily digest."""
