"""The version of kg, read by the package metadata (pyproject: hatch's version source)
and by everything that reports it (User-Agent, provenance, ``kg --version``)."""

__version__ = "0.1.0"
