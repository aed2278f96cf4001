"""Django apps, one per bounded context."""
