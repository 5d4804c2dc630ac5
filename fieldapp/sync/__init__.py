"""What phones write offline reaches the server exactly once; and the app shell they need to
work with no signal (service worker, manifest, offline page)."""
