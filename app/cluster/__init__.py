"""Local scale-out set-ups built from the embedded PostgreSQL's own binaries.

- ``replica``: a hot standby of a running PostgreSQL (``pg_basebackup -R``), for read endpoints
  and for proving that read functions never write.
- ``citus``: Citus built from source against the embedded PostgreSQL, and a coordinator with
  workers on this machine.
- ``servers``: what both share — the binaries, the unprivileged OS user, starting a server and
  stopping it by process id.

Everything here is a development and test harness: servers listen on 127.0.0.1 only and trust
local connections, like the embedded server does. ``python -m app.cluster --help`` drives it
from a shell.
"""
