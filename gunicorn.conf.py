"""gunicorn settings, read from the working directory by every gunicorn we start (make run, CI, the image).

A long request line is refused by the app itself (414 with the one error body, gateway/app.py), not by
gunicorn's HTML page: 0 lifts gunicorn's 4,094-byte limit (its parser still stops at 1 MB).
"""

limit_request_line = 0
