"""Demo mode on the page: the host's banner, the kiosk's idle reset and the Host tab."""
