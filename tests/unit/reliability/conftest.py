"""Make this directory (``reliab_kit``) and the pipeline tests' builders (``pipeline_fixtures``)
importable for the reliability tests."""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _path in (_HERE, _HERE.parent / "pipeline"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
