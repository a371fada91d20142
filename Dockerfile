# Production image: the locked dependencies installed with uv, served by gunicorn.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings \
    STATIC_ROOT=/app/staticfiles

RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app
# Dependencies first, from the lock file only, so that code changes reuse this layer.
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3

COPY . .
RUN useradd --system --home-dir /app casetrack \
    && mkdir -p /app/staticfiles \
    && chown -R casetrack /app/staticfiles
USER casetrack

EXPOSE 8000
# gunicorn.conf.py: threaded workers with keep-alive, 2 x CPUs + 1 of them (WEB_WORKERS).
CMD ["gunicorn", "config.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
