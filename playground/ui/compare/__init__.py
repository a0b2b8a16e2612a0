"""The Compare tab's page: its layout, its forms, its actions."""
