"""The durable task queue (huey): long work runs in `bioatlas jobs worker`, not in the web process."""
