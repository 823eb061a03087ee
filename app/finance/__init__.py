"""Money: fees, the cancellation policy, fellowships and what each participant owes."""
