"""The programme report's charts, one module each, every one a small spec in three parts: the
query (one aggregate statement from ``reports.queries``, counted in Python into plain numbers),
the summary (one sentence for screen readers) and the shape (a ``Chart`` whose table is also its
CSV). Nothing here reads the request; ``reports.services`` puts the charts together."""
