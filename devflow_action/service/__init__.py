"""The orchestration service (docs/service.md): ``devflow serve`` (Starlette on uvicorn) acknowledges
signed webhooks and enqueues them; ``devflow worker`` (Dramatiq on its Redis broker) applies them
with the action's engine and executor, through the Postgres ledger. An entry-point layer: only this
package imports starlette, uvicorn, dramatiq and prometheus_client."""
