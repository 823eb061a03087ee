"""Progress towards the certificate: the participant's checklist and the organisers' matrix."""
