"""Errors the lead services raise; views and the API turn each into one status code and a clear message."""

from django.http import Http404


class LeadNotFound(Http404):
    """Missing, malformed, or another organisation's lead: all look the same to the caller (404)."""

    def __init__(self, message: str = "No such lead."):
        super().__init__(message)


class LeadConflict(Exception):
    """The lead's status does not allow this action (409): someone got there first, or it is archived."""

    def __init__(self, message: str, *, status: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status


class LeadChanged(Exception):
    """The caller's copy is stale: the lead changed since they read it (412 for API clients using If-Match)."""

    def __init__(self, message: str = "This lead changed since you loaded it. Reload it and try again."):
        super().__init__(message)
        self.message = message
