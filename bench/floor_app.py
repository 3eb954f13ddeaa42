"""The floor: a bare Flask endpoint on the same gunicorn, to compare our stack against."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/floor")
def floor():  # noqa: ANN201
    return jsonify(status="ok")
