"""Reports: heat maps, the residual-risk register per service and the six-monthly review report.

queries.py turns the register into the plain rows of rows.py; every renderer (HTML,
PDF, XLSX, CSV, heat map) reads only those rows, so all formats agree with each other.
"""
