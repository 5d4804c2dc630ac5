"""The WSGI entry point: ``gunicorn wsgi:app``."""

import gc

from fieldapp import create_app

app = create_app()
# The app's modules, templates and routes live as long as the process: moved out of the garbage
# collector's sight, so its full collections no longer walk them during requests.
gc.freeze()
