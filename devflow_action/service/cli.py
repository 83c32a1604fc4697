"""``devflow serve`` and ``devflow worker``: settings from the environment, JSON logs, then uvicorn or
the Dramatiq workers. Called by ``cli.py``, which loads this package only for these commands."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..exits import Exit
from . import logs
from .settings import Settings


def app_from_env() -> object:
    """The ASGI app for uvicorn's factory mode (``--workers`` > 1 starts one per process)."""
    logs.setup(os.environ.get("DEVFLOW_LOG_LEVEL", "INFO"))
    from .app import create_app

    return create_app(Settings.from_env(os.environ, role="serve"))


def serve(host: str, port: int, workers: int, env: Mapping[str, str] = os.environ) -> int:
    import uvicorn

    logs.setup(env.get("DEVFLOW_LOG_LEVEL", "INFO"))
    settings = Settings.from_env(env, role="serve")
    from .app import create_app

    common = {"host": host, "port": port, "log_config": None, "access_log": False, "server_header": False}
    if workers > 1:
        create_app(settings).state.services.close()  # check the settings and the database once, up front
        uvicorn.run("devflow_action.service.cli:app_from_env", factory=True, workers=workers, **common)  # type: ignore[arg-type]
    else:
        uvicorn.run(create_app(settings), **common)  # type: ignore[arg-type]
    return Exit.OK


def worker(processes: int, threads: int, env: Mapping[str, str] = os.environ) -> int:
    logs.setup(env.get("DEVFLOW_LOG_LEVEL", "INFO"))
    from .worker import main

    return main(processes, threads, env)
