"""Background jobs beyond one process (issue 18): the PostgreSQL queue (procrastinate) and what runs one job.

- `mode`: which queue a database gets (`thread` in-process for SQLite, `postgres` for PostgreSQL).
- `execute`: runs one civicai job row (progress, cancellation, no duplicated output); both queues use it.
- `pg`: the procrastinate app, its schema, the task that runs a civicai job, and the worker loop with
  stalled-job recovery (a worker that stops sending heartbeats has its job put back in the queue).
"""
