"""FETMS Serverless: the application package (settings, data access, services, API, jobs)."""

__version__ = "0.1.0"
