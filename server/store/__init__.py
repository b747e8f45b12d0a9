"""Redis store: connections and zones, key names, Lua scripts, per-turn event logs."""
