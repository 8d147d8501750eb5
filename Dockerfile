FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=leadhub.settings.production
WORKDIR /app
COPY pyproject.toml README.md ./
COPY leadhub leadhub
COPY leads leads
COPY profiles profiles
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=build ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 CACHE_URL=redis://build:6379/1 python manage.py collectstatic --no-input
EXPOSE 8000
CMD ["gunicorn", "leadhub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
