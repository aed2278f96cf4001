from tests.apps.treatment.world import world  # noqa: F401
