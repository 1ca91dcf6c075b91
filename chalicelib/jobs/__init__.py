"""Operations jobs: plain functions called by scheduled Lambdas (``app.py``) and the CLI."""
