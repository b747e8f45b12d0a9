"""A client library for accessing TrueFoundry Agent Harness"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
