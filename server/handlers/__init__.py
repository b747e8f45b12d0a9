"""Thin HTTP handlers, one per operationId: parse, call the domain, shape the response."""
