"""sfscan: checks Salesforce orgs against "OAuth Access Policies - Enforce IP Restrictions"."""

__version__ = "0.1.0"
