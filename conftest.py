"""What every collected test shares, the doctests of ``redblue/`` included."""

import tempfile

import pytest


@pytest.fixture(autouse=True)
def _doctest_temp_dirs(request, monkeypatch):
    """A doctest's ``tempfile.mkdtemp()`` lands under pytest's own temporary directory.

    The examples write files where a reader would (``tempfile.mkdtemp()``); without this
    every run of the suite left a dozen directories in the system's temporary folder.
    """
    if isinstance(request.node, pytest.DoctestItem):
        monkeypatch.setattr(tempfile, "tempdir", str(request.getfixturevalue("tmp_path")))
