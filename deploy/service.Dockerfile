# syntax=docker/dockerfile:1
# The orchestration service's image (docs/deploy.md): `devflow serve` and `devflow worker` from one
# image, with the `service` extra. Built from the repository root:
#   docker build -f deploy/service.Dockerfile -t devflow-service .
ARG BASE=python:3.11-slim
FROM ${BASE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY devflow_action ./devflow_action
# the local project itself: its dependencies' ranges are pyproject.toml's
# hadolint ignore=DL3013
RUN pip install --no-cache-dir --prefix=/app ".[service]"

FROM ${BASE}
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
COPY --from=build /app /usr/local
RUN python -m compileall -q /usr/local/lib/python3.11/site-packages \
    && useradd --system --uid 10001 devflow
USER 10001
EXPOSE 8080
# serve by default; the workers' Deployment runs `devflow worker ...` instead
ENTRYPOINT ["devflow"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
