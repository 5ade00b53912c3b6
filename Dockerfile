# devportal-connections: the same `devportal serve` as on a laptop, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DEVPORTAL_HOST=0.0.0.0 \
    DEVPORTAL_PORT=8000 \
    DEVPORTAL_DATABASE_URL=sqlite:///data/devportal.sqlite3

RUN useradd --create-home --uid 10001 devportal && mkdir /data && chown devportal /data
WORKDIR /srv/devportal
COPY pyproject.toml README.md ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir .

USER devportal
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["devportal", "serve"]
