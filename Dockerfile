# The pgrec API and scheduler image (used by docker-compose.yml). The embedded PostgreSQL wheel
# is installed as a dependency but unused here: DATABASE_URL always points at the db service.
FROM python:3.11-slim
WORKDIR /srv/pgrec
COPY pyproject.toml README.md alembic.ini ./
COPY app app
COPY scheduler scheduler
# The API names the field of a SQL error with the client's rule (pgrec_client.errors).
COPY pgrec_client pgrec_client
COPY migrations migrations
COPY sql sql
RUN pip install --no-cache-dir -e .
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["pgrec", "serve", "--host", "0.0.0.0", "--port", "8000"]
