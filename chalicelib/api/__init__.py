"""HTTP layer: one Chalice Blueprint per resource. Parse, call one service, serialize."""
