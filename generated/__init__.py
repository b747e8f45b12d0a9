"""Generated from spec/agent-harness.yaml by `make generate`. Do not edit."""
