"""The report of a sweep: one self-contained HTML file that answers the experiment's question.

It stands at the top with the command line: it asks ``cisim.analysis`` for numbers and ``cisim.plots`` for
pictures, and nothing below imports it.
"""

from cisim.report.document import build_report, write_report

__all__ = ["build_report", "write_report"]
