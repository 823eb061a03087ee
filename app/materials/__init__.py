"""Materials of a course: files and links attached to its sessions, its modules or the course."""
