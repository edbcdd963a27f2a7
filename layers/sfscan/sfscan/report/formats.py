"""The report formats that need the optional ``reports`` extra (py-ocsf-models, Jinja2).

They are an extra, not a runtime dependency, because the Lambda layer never renders them and its
size matters; the CLI says how to install them when they are missing.
"""

from __future__ import annotations

from sfscan.domain.errors import InputError
from sfscan.domain.settings import Settings
from sfscan.engine import ScanResult

EXTRA_HINT = (
    "install the reports extra: pipx install 'sfscan[reports]' (or, in a virtualenv, "
    "pip install 'sfscan[reports]')"
)
_NEEDS = {"ocsf": "py-ocsf-models", "html": "jinja2"}


def render_optional(
    result: ScanResult,
    fmt: str,
    *,
    hidden: dict[str, int] | None = None,
    settings: Settings | None = None,
) -> str:
    """Render ``ocsf`` or ``html``; a missing library is bad input with the fix named."""
    try:
        if fmt == "ocsf":
            from sfscan.report.ocsf import render_ocsf

            return render_ocsf(result)
        from sfscan.report.html import render_html

        return render_html(result, hidden=hidden, settings=settings)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("py_ocsf_models", "jinja2", "markupsafe"):
            raise InputError(
                f"--format {fmt} needs the {_NEEDS.get(fmt, fmt)} library, which is not "
                f"installed: {EXTRA_HINT}"
            ) from None
        raise
