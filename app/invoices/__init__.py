"""Invoices, pro-formas, credit notes and payments (issue 14)."""
