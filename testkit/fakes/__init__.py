"""Stand-ins for what the harness talks to: an OpenAI-compatible model server and an MCP server."""
