"""The dialogs of the app: modal screens dismissed with their result (one per module).

A dialog receives what it shows in its constructor and never imports the app; the caller
pushes it with a callback (or waits for it in a worker) and gets the value ``dismiss`` was
given: None when cancelled, a small dataclass when the result has several parts.
"""
