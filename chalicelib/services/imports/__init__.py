"""Spreadsheet imports of teachers and schools (issue 13): reading (``reading``, ``cells``),
mapping to the API's models (``columns``, ``mapping``, ``lookups``, ``kinds``), dry run and apply
(``running``, ``writing``, ``operations``), the ``imports`` records (``records``) and undo
(``undo``)."""
