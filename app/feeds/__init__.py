"""iCalendar builders (pure functions) and calendar routes."""
