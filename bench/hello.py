"""The framework's ceiling on this machine: a Flask hello-world, served like the app."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
