"""Follow-up: contacts, recurrence, death, withdrawal and loss to follow-up."""
