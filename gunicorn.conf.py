"""gunicorn's settings for fieldapp, read by any `gunicorn wsgi:app` started in this folder
(`make run` through scripts/serve.sh, the README's commands, the tests' servers)."""

# Access and error lines with the links that are keys masked (/o/abcd…); JSON lines when
# FIELDAPP_LOG_FORMAT=json.
logger_class = "fieldapp.logs.GunicornLogger"
