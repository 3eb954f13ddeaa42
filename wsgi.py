"""gunicorn wsgi:app — and `flask --app wsgi …` for the CLI."""

from gateway.cli import register_cli

from gateway.app import create_app

app = create_app()
register_cli(app)
