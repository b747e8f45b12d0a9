"""Executors: take turns from Redis, run the agent loop, honour cancel signals pushed through Redis."""
