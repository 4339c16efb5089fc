"""Reports: heat maps, the residual-risk register per service and the six-monthly review report.

queries.py turns the register into the plain rows of rows.py; every renderer (HTML,
PDF, XLSX, CSV, heat map) reads only those rows, so all formats agree with each other.

- documents.py: a report in the asked format, named for download (format -> renderer table)
- columns.py: the columns of every risk table, once for every format
- words.py (labels, dates), colours.py (ink on a band), printable.py (text a report can print)
- html.py with templates/, pdf/ (canvas, one layout per document, font), xlsx.py, csv_export.py
- heatmap/: layout apart from its rasteriser and the picture cache; periods.py: report periods
"""
