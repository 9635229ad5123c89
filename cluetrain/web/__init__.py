"""Web pages served next to the results: the live dashboard (cluetrain.web.dashboard)."""
