from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def loaded_study(db, protocol_file: Path, user):
    """The fixture protocol loaded, with `user` holding a study-wide statistician role."""
    from oncotrial.apps.accounts.models import Membership
    from oncotrial.apps.studies.services import load_protocol_file
    from oncotrial.domain.permissions import Role

    study = load_protocol_file(protocol_file).study
    Membership.objects.create(user=user, study=study, site=None, role=Role.STATISTICIAN)
    return study
