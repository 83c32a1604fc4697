# syntax=docker/dockerfile:1
# Devflow's action image: slim Python, dependencies in their own layer, no build tools in the result,
# bytecode compiled at build time so the action starts fast.
# BASE is python:3.11-slim for every real build (GitHub's runner, the published image); scripts/check-image
# overrides it with a local stand-in built from Debian packages, where no container registry is reachable.
ARG BASE=python:3.11-slim
FROM ${BASE} AS deps
WORKDIR /src
COPY pyproject.toml ./
# Only the runtime dependencies, from pyproject.toml: this layer changes when they do, not with the code.
# The `state` extra too (psycopg, redis, yoyo): an orchestration URL must work in the image; a run
# without one never imports them.
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['state']))" > requirements.txt \
    && pip install --no-cache-dir --prefix=/deps -r requirements.txt

FROM ${BASE} AS app
WORKDIR /src
COPY pyproject.toml README.md ./
COPY devflow_action ./devflow_action
RUN pip install --no-cache-dir --no-deps --prefix=/app .

FROM ${BASE}
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
COPY --from=deps /deps /usr/local
COPY --from=app /app /usr/local
RUN python -m compileall -q /usr/local/lib/python3.11/site-packages
# The runner mounts the (possibly untrusted) workspace as the working directory: -P keeps it off
# sys.path, so a `devflow_action/` folder in a pull request's checkout can never be imported.
ENTRYPOINT ["python", "-P", "-m", "devflow_action"]
