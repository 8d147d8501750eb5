"""The leads app's JSON API: its endpoints (a ninja Router, mounted by leadhub/api.py) and schemas."""

from leads.api.endpoints import router

__all__ = ["router"]
