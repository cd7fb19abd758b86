"""The widgets of the app (one widget per module); they never import the app."""
