"""Devflow: contributor-workflow automation for GitHub repositories."""

__version__ = "0.1.0"
