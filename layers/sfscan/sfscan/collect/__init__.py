"""Salesforce adapter: credentials, host allow-list, OAuth, REST/Tooling/Metadata reads.

Collection never judges: it fills a Snapshot and records what it could not read.
Entry point: ``sfscan.collect.collector.collect_snapshot``.
"""
