"""Registration: applications, capacity, the waiting list, attendance and the participant desk."""
