"""Shared test configuration."""

import atexit
import os
import shutil
import tempfile

# Servers started by tests record their calls under a throwaway data directory, never in the
# developer's ~/.vocalis (the call history's default).
if "VOCALIS_DATA_DIR" not in os.environ:
    _data_dir = tempfile.mkdtemp(prefix="vocalis-test-data-")
    os.environ["VOCALIS_DATA_DIR"] = _data_dir
    atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)
