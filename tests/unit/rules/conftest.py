"""Make the repository root importable so these tests can use ``tests.builders``.

pytest's default "prepend" import mode puts only this directory on sys.path; the shared
builders live at the repository root's ``tests/`` package path.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
