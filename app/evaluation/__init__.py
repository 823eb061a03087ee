"""evaluation area: the end-of-course evaluation (see app.evaluation.services)."""
