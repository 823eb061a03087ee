"""Applications: each course's own questions, and the applicants' answers."""
