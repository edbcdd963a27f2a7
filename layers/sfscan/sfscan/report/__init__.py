"""Renderers of a ScanResult for people and tools: table (terminal), JSON, CSV.

Each renderer is pure: ScanResult in, text out. Where the text goes (stdout, a file) and whether
the terminal gets colour is the CLI's decision.
"""

from sfscan.report.csv_report import CSV_COLUMNS, render_csv
from sfscan.report.json_report import render_json
from sfscan.report.table import render_table

__all__ = ["CSV_COLUMNS", "render_csv", "render_json", "render_table"]
