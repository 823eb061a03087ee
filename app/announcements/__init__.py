"""Short announcements organisers post on a course for its participants."""
