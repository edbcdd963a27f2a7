"""For the whole suite: botocore's data files are parsed once per process, not once per session.

Tests build hundreds of boto3 sessions (each handler load is a cold start); parsing the same
endpoint and service models for each was a fifth of the suite's CPU time.
"""

from sfscan_harness.local import share_botocore_data

share_botocore_data()
