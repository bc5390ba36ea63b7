import logging
from logging.config import fileConfig

from flask import current_app

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()
    sqlite = connectable.dialect.name == "sqlite"

    with connectable.connect() as connection:
        if sqlite:
            # Batch migrations rebuild tables; with foreign keys on, dropping the old table
            # would silently cascade-delete child rows. The app's begin hook turns them off
            # before BEGIN (the pragma is a no-op inside a transaction).
            connection = connection.execution_options(sqlite_foreign_keys_off=True)
        if sqlite:
            # SQLite runs DDL inside transactions, but Alembic assumes it cannot and would
            # commit each revision on its own, before _check_integrity could refuse it.
            conf_args = {"transactional_ddl": True, **conf_args}
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **conf_args
        )

        with context.begin_transaction():
            before = _row_counts(connection) if sqlite else {}
            context.run_migrations()
            if sqlite:
                _check_integrity(connection, before)
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")


def _row_counts(connection):
    names = [r[0] for r in connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '_alembic%' AND name != 'alembic_version'")]
    return {n: connection.exec_driver_sql(f'SELECT count(*) FROM "{n}"').scalar() for n in names}


def _check_integrity(connection, before):
    """Refuse to commit a migration that broke a foreign key or lost rows."""
    problems = list(connection.exec_driver_sql("PRAGMA foreign_key_check"))
    if problems:
        raise RuntimeError(f"foreign key check failed after migration: {problems[:10]}")
    after = _row_counts(connection)
    # A revision that removes rows on purpose names the tables in connection.info.
    pruned = connection.info.pop("rows_deleted_on_purpose", set())
    lost = {
        t: (n, after[t])
        for t, n in before.items()
        if t in after and after[t] < n and t not in pruned
    }
    if lost:
        raise RuntimeError(f"rows lost during migration (before, after): {lost}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
