"""The client side of `agent-harness`: an operator CLI and a conformance kit, both driving the API
through the typed client generated from the spec (`generated/client`)."""
