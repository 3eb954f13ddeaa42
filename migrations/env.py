"""Alembic environment: the models' metadata is the target; the URL comes from the app config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from gateway.db import Base

config = context.config
target_metadata = Base.metadata


def _load_models() -> None:
    """Import every module that declares tables (gateway kernel and each service), without an app."""
    import importlib
    import pkgutil

    import gateway.app  # noqa: F401 - imports the kernel's table modules
    import gateway.documents  # noqa: F401
    import gateway.identity.models  # noqa: F401
    import services

    for service in services.MODULES:
        package = importlib.import_module(f"services.{service.name}")
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if module.name.rpartition(".")[2].endswith("models"):
                importlib.import_module(module.name)


_load_models()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
