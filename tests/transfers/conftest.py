import pytest
from django.test import override_settings


@pytest.fixture(autouse=True)
def _private_media(tmp_path):
    """Uploaded ID cards go to a private folder of the test's own."""
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield
