"""gunicorn wsgi:app — and `flask --app wsgi …` for the CLI."""

from gateway.app import create_app
from gateway.cli import register_cli

app = create_app()
register_cli(app)
