"""The lead lifecycle: models, transitions, services, selectors, views, API, tasks and admin."""
