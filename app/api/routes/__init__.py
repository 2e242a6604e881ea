"""Route handlers, one module per domain. Each handler validates nothing itself beyond the
request's shape: it forwards the arguments to one ``rec.*`` function and returns its result."""
