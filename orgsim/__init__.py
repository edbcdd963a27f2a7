"""orgsim: a Salesforce org over HTTPS on 127.0.0.1, served from an sfscan snapshot.

The real ``simple-salesforce`` client talks to it unmodified. See orgsim/README.md.
"""

from orgsim.faults import Faults
from orgsim.server import OrgSimulator

__all__ = ["Faults", "OrgSimulator"]
