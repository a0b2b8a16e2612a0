"""The History tab's page: the list, a run's view, its actions."""
