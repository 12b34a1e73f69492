# The OpenSlides autoupdate service. Configured by environment variables and secret files
# (`python -m adapters.server --help`, docs/operations.md); compose.yaml runs it with Postgres
# and Redis.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Build from a copy of the sources, then run the installed package from an empty directory.
COPY pyproject.toml README.md /src/
COPY meta /src/meta
COPY domain /src/domain
COPY ports /src/ports
COPY adapters /src/adapters
COPY simulator /src/simulator
RUN pip install /src && rm -rf /src \
    && useradd --system --no-create-home --uid 10001 autoupdate

WORKDIR /app
USER autoupdate

EXPOSE 9012

# Exit 0 only when GET localhost:$AUTOUPDATE_PORT/system/autoupdate/health answers healthy.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-m", "adapters.server", "health"]

CMD ["python", "-m", "adapters.server"]
