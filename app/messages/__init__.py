"""Mail written by the course's organisers to its participants."""
