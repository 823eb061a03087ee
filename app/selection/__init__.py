"""Selection by a committee: each course's criteria, reviewers' scores, and decisions."""
