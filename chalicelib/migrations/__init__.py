"""Ordered data migrations ``NNNN_name.py`` (each with ``up(ctx)`` and, where possible,
``down(ctx)``), applied by ``fetms migrate`` under a lock and recorded in ``migrations``.
See :mod:`chalicelib.migrations.runner`."""
