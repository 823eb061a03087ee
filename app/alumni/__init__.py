"""Past participants invited to a later edition or a related event, and their consent."""
