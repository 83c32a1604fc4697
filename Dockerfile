# syntax=docker/dockerfile:1
# Devflow's action image: slim Python, dependencies in their own layer, no build tools in the result,
# bytecode compiled at build time so the action starts fast.
FROM python:3.11-slim AS deps
WORKDIR /src
COPY pyproject.toml ./
# Only the runtime dependencies, from pyproject.toml: this layer changes when they do, not with the code.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip install --no-cache-dir --prefix=/deps -r requirements.txt

FROM python:3.11-slim AS app
WORKDIR /src
COPY pyproject.toml README.md ./
COPY devflow_action ./devflow_action
RUN pip install --no-cache-dir --no-deps --prefix=/app .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
COPY --from=deps /deps /usr/local
COPY --from=app /app /usr/local
RUN python -m compileall -q /usr/local/lib/python3.11/site-packages
# The runner mounts the (possibly untrusted) workspace as the working directory: -P keeps it off
# sys.path, so a `devflow_action/` folder in a pull request's checkout can never be imported.
ENTRYPOINT ["python", "-P", "-m", "devflow_action"]
