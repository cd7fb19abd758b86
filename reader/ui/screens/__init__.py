"""The screens of the app: each gets the session in its constructor and posts messages."""
